import Foundation

/// Folds text the way feature-phone users write it: no case, no accents, Arabic letter variants
/// unified, punctuation as spaces. Used on dictionary terms, place names and report text alike.
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
        mapScalars(of: foldedLatin(text) ?? foldedThroughFoundation(text))
    }

    /// The same through Foundation's folding alone: the reference the table below is checked against.
    package static func normalizeThroughFoundation(_ text: String) -> String {
        mapScalars(of: foldedThroughFoundation(text))
    }

    private static func foldedThroughFoundation(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
    }

    /// Foundation's folding of each scalar below U+0300, where the combining marks begin: ASCII,
    /// the Latin supplements and the IPA letters (ɓ ɗ ɛ ɔ ɲ ŋ) that French, Bambara, Fula and
    /// Hausa reports are written in, asked once. Folding through Foundation was 6.5 % of the
    /// samples of routing one report; in this range it folds scalar by scalar, which the tests check.
    private static let latinFolds: [String] = (0..<UInt32(latinLimit)).map { value in
        Unicode.Scalar(value).map { foldedThroughFoundation(String(Character($0))) } ?? ""
    }

    package static let latinLimit = 0x300

    private static func foldedLatin(_ text: String) -> String? {
        var folded = ""
        folded.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard Int(scalar.value) < latinLimit else { return nil }
            folded += latinFolds[Int(scalar.value)]
        }
        return folded
    }

    private static func mapScalars(of folded: String) -> String {
        String(folded.unicodeScalars.compactMap { scalar -> Character? in
            switch scalar.value {
            case 0x0623, 0x0625, 0x0622, 0x0671: return "\u{0627}"  // alef with hamza/madda → alef
            case 0x0629: return "\u{0647}"  // taa marbuta → haa
            case 0x0649: return "\u{064A}"  // alef maqsura → yaa
            case 0x064B...0x065F, 0x0670, 0x0640: return nil  // harakat, tatweel
            case 0x2019, 0x2018, 0x0027, 0x02BC: return " "  // apostrophes split "l'armée"
            case 0x30...0x39, 0x61...0x7A, 0x41...0x5A:
                // ASCII digits and letters: the answer of the general case below, without the Unicode property look-up.
                return Character(scalar)
            case 0x00...0x7F:
                return " "
            default:
                let character = Character(scalar)
                return character.isLetter || character.isNumber ? character : " "
            }
        })
    }

    public static func tokens(_ text: String) -> [String] {
        normalize(text).split(separator: " ").map { stripArabicArticle(String($0)) }
    }

    /// "الجهاديون" and "جهاديون" are one word to a reader: drop the article and its clitics.
    static func stripArabicArticle(_ token: String) -> String {
        guard let first = token.unicodeScalars.first, (0x0600...0x06FF).contains(first.value) else { return token }
        for prefix in ["وال", "بال", "فال", "كال", "لل", "ال"] where token.hasPrefix(prefix) && token.count - prefix.count >= 2 {
            return String(token.dropFirst(prefix.count))
        }
        return token
    }
}
