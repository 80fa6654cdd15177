@testable import IntakeService
import Testing

/// The language intake guesses for a report, which picks the language of the reporter's SMS.
@Suite("Language guess")
struct LanguageGuessTests {
    @Test("script first, then English words; French otherwise", arguments: [
        ("Des hommes armés ont attaqué le marché de Sévaré cette nuit", "fr"),
        ("Armed men attacked the market, please help", "en"),
        ("HELP police", "en"),
        ("help", "en"),
        ("Le bandit is parti", "fr"),
        ("سرقة في السوق", "ar"),
        ("ߒߞߏ ߞߊ߲ ߘߐ", "nqo"),
        ("Vol à Gao — the", "fr"),
        ("", "fr"),
    ])
    func guess(text: String, language: String) {
        #expect(LanguageGuess.of(text) == language)
    }
}

/// The single-pass guess against the split-and-lowercase version it replaced, kept here as the oracle.
@Suite("Language guess against its reference")
struct LanguageGuessReferenceTests {
    static func reference(_ text: String) -> String {
        var arabic = 0, nko = 0, latin = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0600...0x06FF, 0x0750...0x077F: arabic += 1
            case 0x07C0...0x07FF: nko += 1
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: latin += 1
            default: break
            }
        }
        if arabic > latin && arabic >= nko { return "ar" }
        if nko > latin { return "nqo" }
        let words = text.unicodeScalars.split { !($0.properties.isAlphabetic) }
        let english = words.filter { word in
            word.count <= 8 && word.allSatisfy(\.isASCII) && LanguageGuess.englishWords.contains(String(word).lowercased())
        }.count
        return english >= 2 || (english == 1 && words.count <= 3) ? "en" : "fr"
    }

    @Test("agrees on 20,000 texts drawn from English, French, Arabic and N'Ko words, digits and punctuation")
    func agreesWithReference() {
        let pieces = ["the", "THE", "police", "Police", "attacked", "attackedx", "policeman", "is", "my", "help!", "été",
                      "thé", "Men", "are", "vol", "à", "Gao", "سرقة", "ߒߞߏ", "123", "the123the", "-", " ", "  ", ",", "\n",
                      "stolen", "plea", "please", "andthe", "ǅ", "ＡＢ", "and"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...9, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)! + (Bool.random(using: &generator) ? " " : "")
            }.joined()
            #expect(LanguageGuess.of(text) == Self.reference(text), "text: \(text.debugDescription)")
        }
    }
}
