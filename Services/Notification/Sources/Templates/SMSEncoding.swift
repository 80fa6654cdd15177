/// How an SMS text travels and what it costs: GSM-7 when every character is in the GSM 03.38
/// alphabet (160 septets in one SMS, 153 per part when concatenated), UCS-2 otherwise (70 UTF-16
/// units, 67 per part). Segments are what gateways bill.
public struct SMSEncoding: Sendable, Equatable {
    public enum Alphabet: String, Sendable, Equatable {
        case gsm7
        case ucs2
    }

    public let alphabet: Alphabet
    /// Septets (GSM-7, extension characters count two) or UTF-16 code units (UCS-2).
    public let units: Int
    /// The text cut as a gateway would cut it, never inside a character: a GSM-7 escape pair,
    /// a UTF-16 surrogate pair and a combining sequence (an Arabic or N'Ko letter with its marks)
    /// always stay in one part.
    public let parts: [String]

    public var segments: Int { parts.count }

    public static func analyse(_ text: String) -> SMSEncoding {
        let isGSM = text.unicodeScalars.allSatisfy { gsmBasic.contains($0) || gsmExtension.contains($0) }
        let alphabet: Alphabet = isGSM ? .gsm7 : .ucs2
        let cost: (Character) -> Int = isGSM
            ? { $0.unicodeScalars.reduce(0) { $0 + (gsmExtension.contains($1) ? 2 : 1) } }
            : { $0.utf16.count }
        let units = text.reduce(0) { $0 + cost($1) }
        let single = isGSM ? 160 : 70
        guard units > single else { return SMSEncoding(alphabet: alphabet, units: units, parts: text.isEmpty ? [] : [text]) }
        let perPart = isGSM ? 153 : 67
        var parts: [String] = []
        var current = ""
        var used = 0
        for character in text {
            let size = cost(character)
            if used + size > perPart, !current.isEmpty {
                parts.append(current)
                current = ""
                used = 0
            }
            current.append(character)
            used += size
        }
        if !current.isEmpty { parts.append(current) }
        return SMSEncoding(alphabet: alphabet, units: units, parts: parts)
    }

    /// GSM 03.38 default alphabet.
    static let gsmBasic: Set<Unicode.Scalar> = Set((
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    ).unicodeScalars)

    /// GSM 03.38 extension table: each costs an escape septet plus its own.
    static let gsmExtension: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)
}
