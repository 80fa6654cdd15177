/// A phone number in E.164 form (`+` and 8 to 15 digits). Only ever held in memory.
///
/// It deliberately is not `CustomStringConvertible` with the number in it: interpolating one into
/// a log line prints a redacted form, so a careless log statement cannot leak it.
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    /// The number itself, e.g. `+22376123456`. Read it only to pseudonymise, seal or send.
    public let e164: String

    public var description: String { "PhoneNumber(redacted)" }

    private init(e164: String) { self.e164 = e164 }

    /// Normalises what a gateway or an operator gave.
    ///
    /// Accepts `+223 76 12 34 56`, `0022376123456`, `22376123456` (when it starts with the default
    /// country code), and national forms such as `76 12 34 56` or `0803 123 4567`, which take
    /// `defaultCountryCode` after dropping one trunk `0`.
    public static func normalise(_ raw: String, defaultCountryCode: String) -> PhoneNumber? {
        var digits = ""
        var sawPlus = false
        for (index, character) in raw.trimmingCharacters().enumerated() {
            switch character {
            case "+" where index == 0 && digits.isEmpty: sawPlus = true
            case " ", "-", ".", "(", ")", "\u{00A0}": continue
            // ASCII digits only: `"0"..."9"` also holds a digit with combining marks ("7\u{0730}"),
            // which libFuzzer found passing as part of an "E.164" number.
            case _ where character.isASCII && character.isNumber: digits.append(character)
            default: return nil
            }
        }
        guard !digits.isEmpty, digits.count <= 17 else { return nil }
        let international: String
        if sawPlus {
            international = digits
        } else if digits.hasPrefix("00") {
            international = String(digits.dropFirst(2))
        } else if digits.hasPrefix(defaultCountryCode), digits.count >= defaultCountryCode.count + 7 {
            international = digits
        } else {
            let national = digits.hasPrefix("0") ? String(digits.dropFirst()) : digits
            guard national.count >= 6 else { return nil }
            international = defaultCountryCode + national
        }
        guard (8...15).contains(international.count), international.first != "0" else { return nil }
        return PhoneNumber(e164: "+" + international)
    }
}

extension String {
    fileprivate func trimmingCharacters() -> Substring {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }
}
