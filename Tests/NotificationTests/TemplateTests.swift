import Foundation
import HotlineReference
import HotlineTestSupport
@testable import NotificationService
import Testing

/// The shipped templates file, rendering, language fallback and the file's validation.
@Suite("SMS templates")
struct TemplateTests {
    static func shipped() throws -> MessageTemplates {
        let text = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/reference/templates.csv", encoding: .utf8)
        return try MessageTemplates.parse(text, defaultLanguage: "fr")
    }

    static let states = ["routed", "acknowledged", "in_progress", "referred", "resolved", "dismissed", "reopened"]

    @Test("every template has French, English and Arabic, and every case state has a text")
    func coverage() throws {
        let templates = try Self.shipped()
        for name in ["reporter.acknowledgement", "reporter.ask_commune", "reporter.status_update", "reporter.opt_out_confirmed", "reporter.opt_in_confirmed",
                     "member.case_alert", "member.case_exists"] + Self.states.map({ "state.\($0)" }) {
            for language in ["fr", "en", "ar"] {
                #expect(templates.texts[name]?[language] != nil, "\(name) has no \(language) text")
            }
        }
        #expect(templates.version != "unversioned")
    }

    @Test("rendering fills parameters, renders {state} through state.<value>, and falls back to the default language")
    func rendering() throws {
        let templates = try Self.shipped()
        let fr = try templates.render("reporter.status_update", language: "fr", parameters: ["reference_code": "7KQ2ZX", "state": "in_progress"])
        #expect(fr.text == "Signalement 7KQ2ZX : en cours de traitement.")
        let en = try templates.render("reporter.status_update", language: "EN", parameters: ["reference_code": "7KQ2ZX", "state": "resolved"])
        #expect(en.text == "Report 7KQ2ZX: resolved.")
        let ar = try templates.render("reporter.acknowledgement", language: "ar", parameters: ["reference_code": "7KQ2ZX"])
        #expect(ar.language == "ar")
        #expect(ar.text.contains("7KQ2ZX"))
        // Languages without texts yet (dgo, tmh, son…) fall back to French.
        let fallback = try templates.render("reporter.acknowledgement", language: "dgo", parameters: ["reference_code": "7KQ2ZX"])
        #expect(fallback.language == "fr")
        #expect(fallback.text.hasPrefix("Merci."))
        // A state the file does not know still reads as words.
        let unknown = try templates.render("reporter.status_update", language: "en", parameters: ["reference_code": "7KQ2ZX", "state": "on_hold"])
        #expect(unknown.text == "Report 7KQ2ZX: on hold.")
        #expect(throws: TemplateError.self) { try templates.render("reporter.acknowledgement", language: "fr", parameters: [:]) }
        #expect(throws: TemplateError.self) { try templates.render("reporter.nothing", language: "fr", parameters: [:]) }
    }

    @Test("reporter messages fit one SMS in every shipped language, with the longest state")
    func reporterMessagesFitOneSegment() throws {
        let templates = try Self.shipped()
        for (name, byLanguage) in templates.texts where name.hasPrefix("reporter.") {
            for language in byLanguage.keys {
                for state in Self.states {
                    let text = try templates.render(name, language: language, parameters: ["reference_code": "7KQ2ZX", "state": state]).text
                    let encoding = SMSEncoding.analyse(text)
                    #expect(encoding.segments == 1, "\(name) (\(language), \(state)) takes \(encoding.segments) segments as \(encoding.alphabet): \(encoding.units) units")
                }
            }
        }
    }

    @Test("reporter messages carry the code and the state, never the category or place; member alerts carry them")
    func privacyOfReporterMessages() throws {
        let templates = try Self.shipped()
        let parameters = ["reference_code": "7KQ2ZX", "state": "routed", "category": "armed_attack", "place": "Sévaré",
                          "role": "lead", "target": "CSC-ML-5", "priority": "urgent"]
        for (name, byLanguage) in templates.texts where name.hasPrefix("reporter.") {
            for language in byLanguage.keys {
                let text = try templates.render(name, language: language, parameters: parameters).text
                let label = try templates.render("category.armed_attack", language: language, parameters: [:]).text
                #expect(!text.contains("armed_attack") && !text.contains(label) && !text.contains("Sévaré") && !text.contains("CSC-ML-5"),
                        "\(name) \(language)")
            }
        }
        let alert = try templates.render("member.case_alert", language: "fr", parameters: parameters).text
        #expect(alert.contains("attaque armée") && alert.contains("Sévaré") && alert.contains("URGENT") && alert.contains("7KQ2ZX"),
                "codes read as words in the member's language: \(alert)")
        let english = try templates.render("member.case_alert", language: "en", parameters: parameters).text
        #expect(english.contains("armed attack") && english.contains("(lead)"))
        var unknown = parameters
        unknown["category"] = "cattle_rustling"
        #expect(try templates.render("member.case_alert", language: "fr", parameters: unknown).text.contains("cattle rustling"),
                "a code without a label is shown rather than refused")
        #expect(throws: TemplateError.self) { try AudienceRule.check(audience: "reporter", template: "member.case_alert") }
        #expect(throws: Never.self) { try AudienceRule.check(audience: "member", template: "member.case_alert") }
    }

    @Test("the file's validation rejects bad rows with the line at fault")
    func validation() {
        let header = "# version: t1\ntemplate,language,text\n"
        func rejects(_ rows: String, _ fragment: String) {
            do {
                _ = try MessageTemplates.parse(header + rows, defaultLanguage: "fr")
                Issue.record("accepted: \(rows)")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
            }
        }
        rejects("a.b,fr,Code {reference_code}\na.b,en,Code {reference_code} {place}\n", "unknown placeholder {place}")
        rejects("a.b,en,Hello\n", "no text in the default language fr")
        rejects("reporter.x,fr,Cas {reference_code} à {place}\n", "reporter messages never carry")
        rejects("a.b,fr,one\na.b,fr,two\n", "defined twice")
        rejects("a.b,fr,Code {reference_code\n", "{ without }")
        rejects("state.x,fr,en {cours}\n", "takes no parameters")
        rejects("Bad Name,fr,x\n", "lower-case dotted words")
        rejects("a.b,french,x\n", "2–3 letter code")
        #expect(throws: Never.self) { try MessageTemplates.parse(header + "a.b,fr,Code {reference_code}, ok\na.b,ha,Lamba {reference_code}\n", defaultLanguage: "fr") }
    }
}
