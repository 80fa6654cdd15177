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
