import HotlineDomain
import Testing

/// The contiguous-bytes form parser, against the generic split-and-decode version it replaced.
@Suite("Form decoding")
struct FormURLEncodedTests {
    typealias Pairs = [(name: String, value: String)]

    /// The previous implementation, kept as the oracle.
    static func reference(_ bytes: [UInt8]) throws(FormURLEncoded.Failure) -> Pairs {
        var pairs: Pairs = []
        for component in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = component.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try referenceDecode(parts[0])
            let value = parts.count > 1 ? try referenceDecode(parts[1]) : ""
            guard !name.isEmpty else { throw .emptyName }
            pairs.append((name, value))
        }
        return pairs
    }

    static func referenceDecode(_ bytes: ArraySlice<UInt8>) throws(FormURLEncoded.Failure) -> String {
        var output: [UInt8] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "+"): output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 1 < bytes.endIndex, let high = UInt8(String(UnicodeScalar(bytes[index])), radix: 16),
                      let low = UInt8(String(UnicodeScalar(bytes[index + 1])), radix: 16) else { throw .badPercentEscape }
                index += 2
                output.append(high << 4 | low)
            default: output.append(byte)
            }
        }
        guard let text = String(validating: output, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    static func outcome(_ parse: () throws(FormURLEncoded.Failure) -> Pairs) -> String {
        do {
            return try parse().map { "\($0.name)=\($0.value)" }.joined(separator: "\u{0}")
        } catch {
            return "failure: \(error)"
        }
    }

    @Test("named cases", arguments: [
        ("from=%2B22370000000&text=Vol+%C3%A0+Gao&id=1", "from=+22370000000\u{0}text=Vol à Gao\u{0}id=1"),
        ("a=1&&a=2&", "a=1\u{0}a=2"),
        ("a=1=2&b", "a=1=2\u{0}b="),
        ("=x", "failure: emptyName"),
        ("a=%", "failure: badPercentEscape"),
        ("a=%4", "failure: badPercentEscape"),
        ("a=%zz", "failure: badPercentEscape"),
        ("a=%ff", "failure: invalidUTF8"),
        ("", ""),
    ])
    func named(body: String, expected: String) {
        #expect(Self.outcome { () throws(FormURLEncoded.Failure) in try FormURLEncoded.parse(Array(body.utf8)) } == expected)
    }

    @Test("agrees with the reference on 20,000 random bodies")
    func agreesWithReference() {
        let alphabet = Array("ab=&+%0fF9zZ".utf8) + [0xC3, 0xA9, 0xFF, 0x00]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let body = (0..<Int.random(in: 0...16, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let fast = Self.outcome { () throws(FormURLEncoded.Failure) in try FormURLEncoded.parse(body) }
            let reference = Self.outcome { () throws(FormURLEncoded.Failure) in try Self.reference(body) }
            #expect(fast == reference, "body: \(body)")
        }
    }
}
