import HotlineReference
import Testing

/// The Latin fast path of `TextNormalizer.normalize` against Foundation's folding, which it
/// replaced for text below U+0300 and which still folds everything else.
@Suite("Text normalisation")
struct TextNormalizerTests {
    @Test("every scalar of the table folds as Foundation folds it")
    func eachLatinScalar() {
        let disagreements = (0..<UInt32(TextNormalizer.latinLimit)).compactMap(Unicode.Scalar.init).filter { scalar in
            let text = "a\(Character(scalar))b"
            return TextNormalizer.normalize(text) != TextNormalizer.normalizeThroughFoundation(text)
        }
        #expect(disagreements.isEmpty, "\(disagreements.map { "U+" + String($0.value, radix: 16) })")
    }

    @Test("random Latin texts fold as Foundation folds them, and other scripts still go through it")
    func randomTexts() {
        let pieces = ["Vol de bétail à Sévaré", "L'armée", "ÉCOLE", "ß", "Ǆ", "ǅ", "İ", "ŉ", "æ", "Œuvre", "naïve", "ﬁ", " ", "\n",
                      "'", "’", "-", "42", "Ñ", "ɓ", "ƙ", "ŋ", "Ɛ", "ɛ", "ɔ", "ɲ", "e\u{301}", "الجهاديون", "ߊߟߎ", "ｗｉｄｅ"]
        var disagreements: [String] = []
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...8)).map { _ in
                Bool.random() ? pieces.randomElement()! : String(Character(Unicode.Scalar(UInt8.random(in: 0...0x7F))))
            }.joined()
            if TextNormalizer.normalize(text) != TextNormalizer.normalizeThroughFoundation(text) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5).map { $0.unicodeScalars.map { String($0.value, radix: 16) } })")
    }
}
