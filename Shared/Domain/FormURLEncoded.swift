/// Strict `application/x-www-form-urlencoded` decoding, as gateways' callbacks need it.
///
/// Pairs keep their order and repetitions (signature checks need both). Bad percent-escapes and
/// invalid UTF-8 are refused, not repaired. Pure and allocation-bounded by the input, so the
/// libFuzzer target in `Fuzzing/` can drive it directly.
public enum FormURLEncoded {
    public enum Failure: Error, Sendable, Equatable {
        case emptyName
        case badPercentEscape
        case invalidUTF8
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> [(name: String, value: String)] {
        try parse(Array(bytes))
    }

    /// One pass over contiguous bytes. The generic version this replaced walked the body through
    /// `Collection` witnesses byte by byte: about 5 % of intake's CPU per webhook in a `perf` profile.
    public static func parse(_ bytes: [UInt8]) throws(Failure) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        var start = 0
        while start < bytes.count {
            var end = start
            var equals: Int?
            while end < bytes.count, bytes[end] != UInt8(ascii: "&") {
                if equals == nil, bytes[end] == UInt8(ascii: "=") { equals = end }
                end += 1
            }
            if end > start {
                let name = try decode(bytes[start..<(equals ?? end)])
                let value = try equals.map { equals throws(Failure) in try decode(bytes[(equals + 1)..<end]) } ?? ""
                guard !name.isEmpty else { throw .emptyName }
                pairs.append((name, value))
            }
            start = end + 1
        }
        return pairs
    }

    /// One name or value: `+` is a space, `%XX` a byte; the result must be valid UTF-8.
    public static func decode(_ bytes: some Collection<UInt8>) throws(Failure) -> String {
        try decode(ArraySlice(bytes))
    }

    public static func decode(_ bytes: ArraySlice<UInt8>) throws(Failure) -> String {
        // Most values need no unescaping at all (ids, numbers, dates).
        if !bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
            return text
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 1 < bytes.endIndex, let high = hex(bytes[index]), let low = hex(bytes[index + 1]) else {
                    throw .badPercentEscape
                }
                index += 2
                output.append(high << 4 | low)
            default:
                output.append(byte)
            }
        }
        guard let text = String(validating: output, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
