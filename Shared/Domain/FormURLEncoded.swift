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
        var pairs: [(name: String, value: String)] = []
        for component in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = component.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            guard !name.isEmpty else { throw .emptyName }
            pairs.append((name, value))
        }
        return pairs
    }

    /// One name or value: `+` is a space, `%XX` a byte; the result must be valid UTF-8.
    public static func decode(_ bytes: some Collection<UInt8>) throws(Failure) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != bytes.endIndex, let high = hex(bytes[index]) else { throw .badPercentEscape }
                bytes.formIndex(after: &index)
                guard index != bytes.endIndex, let low = hex(bytes[index]) else { throw .badPercentEscape }
                bytes.formIndex(after: &index)
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
