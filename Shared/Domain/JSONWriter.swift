/// Writes JSON byte for byte as `EventCoding`'s `JSONEncoder` does (keys in byte order, slashes
/// unescaped, the same string escapes), for the few event types every report passes through.
///
/// Encoding through `Codable` cost about 7 % of intake's CPU per webhook and 9 % of notification's
/// in `perf` profiles: a keyed container, a boxed value and a metadata lookup per field. The tests
/// hold `JSONEncoder` as the oracle over random values, so the two cannot drift apart silently.
package struct JSONWriter {
    package private(set) var bytes: [UInt8]
    /// No member written yet in the innermost open object: the next key needs no comma.
    private var atFirstMember = true

    package init(capacity: Int = 1_024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        atFirstMember = true
    }

    /// The closed object was a value of its parent, which therefore has a member now.
    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        atFirstMember = false
    }

    /// Members must be written in byte order of their keys, as `.sortedKeys` orders them.
    package mutating func key(_ name: String) {
        if !atFirstMember { bytes.append(UInt8(ascii: ",")) }
        atFirstMember = false
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    package mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var clean = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                appendEscape(byte)
                clean = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    package mutating func int(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    package mutating func bool(_ value: Bool) {
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    /// `key: value`, or nothing for nil, as synthesised `Codable` omits nil optionals.
    package mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    package mutating func member(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        int(value)
    }

    /// A flat object of strings, keys in byte order as `.sortedKeys` orders a dictionary's.
    package mutating func object(_ members: [String: String]) {
        beginObject()
        for (name, value) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) { member(name, value) }
        endObject()
    }

    /// A flat object of strings as text: gateway headers, template parameters.
    package static func flatObject(_ members: [String: String]) -> String {
        var writer = JSONWriter(capacity: 128)
        writer.object(members)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            bytes.append(contentsOf: "u00".utf8)
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
    }
}

/// A payload whose envelope `EventCoding.encode` writes with a `JSONWriter` instead of `JSONEncoder`.
package protocol HandWrittenJSON {
    /// Writes the payload as one JSON object, exactly as its synthesised `Codable` would encode.
    func writeJSON(to writer: inout JSONWriter)
}
