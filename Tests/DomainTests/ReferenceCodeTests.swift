import Foundation
import HotlineDomain
import Testing

@Suite("Reference codes")
struct ReferenceCodeTests {
    @Test("random codes are six Crockford characters without I, L, O or U")
    func randomCodesUseTheUnambiguousAlphabet() {
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let code = ReferenceCode.random()
            #expect(code.value.count == 6)
            #expect(code.value.allSatisfy { ReferenceCode.alphabet.contains($0) })
            #expect(!code.value.contains { "ILOU".contains($0) })
            seen.insert(code.value)
        }
        #expect(seen.count > 1_990, "codes drawn from 2^30 values rarely repeat in 2,000 draws")
    }

    @Test("typed codes are folded: lower case, spaces, dashes, o for zero, i and l for one")
    func parsingFoldsLookAlikes() {
        #expect(ReferenceCode(parsing: "ab-c 12o")?.value == "ABC120")
        #expect(ReferenceCode(parsing: "il0000")?.value == "110000")
        #expect(ReferenceCode(parsing: "ABCDE") == nil, "too short")
        #expect(ReferenceCode(parsing: "ABCDEFG") == nil, "too long")
        #expect(ReferenceCode(parsing: "ABCDU1") == nil, "U is not in the alphabet")
        #expect(ReferenceCode(parsing: "ÀBCDE1") == nil)
    }

    @Test("codes round-trip through JSON as plain strings")
    func codable() throws {
        let code = try #require(ReferenceCode(parsing: "7KQ2ZX"))
        let data = try JSONEncoder().encode([code])
        #expect(String(decoding: data, as: UTF8.self) == #"["7KQ2ZX"]"#)
        #expect(try JSONDecoder().decode([ReferenceCode].self, from: data) == [code])
    }
}

@Suite("Event envelope")
struct EventEnvelopeTests {
    @Test("envelopes follow CloudEvents 1.0 structured mode and round-trip without loss")
    func cloudEventsShape() throws {
        let report = ReportReceived(
            reportID: ReportID(), referenceCode: ReferenceCode.random(), channel: .sms, language: "ar",
            text: "سرقة في السوق — Sévaré ߒߞߏ", locationHint: "Gao", receivedAt: Date(timeIntervalSince1970: 1_790_000_000.125))
        let envelope = EventEnvelope(source: "/hotline/intake", type: ReportReceived.eventType, subject: report.referenceCode.value, data: report)
        let bytes = try EventCoding.encode(envelope)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["specversion"] as? String == "1.0")
        #expect(object["type"] as? String == "org.hotline.report.received.v1")
        #expect(object["datacontenttype"] as? String == "application/json")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(object["data"] is [String: Any])

        let decoded = try EventCoding.decode(ReportReceived.self, from: bytes)
        #expect(decoded.data == report, "text in Arabic, French and N'Ko survives, and the time keeps its milliseconds")
        #expect(decoded.id == envelope.id)
        #expect(try EventCoding.header(from: bytes).type == ReportReceived.eventType)
    }

    @Test("every contract topic has a dead-letter twin name")
    func topics() {
        #expect(Topic.all.count == 6)
        #expect(Topic.deadLetter(for: Topic.reportsReceived) == "hotline.reports.received.dlq")
    }
}

@Suite("Case states")
struct CaseStateTests {
    @Test("terminal states can only be reopened")
    func terminalStates() {
        for state in CaseState.allCases where state.isTerminal {
            #expect(state.allowedNext == [.reopened])
        }
        #expect(CaseState.routed.canMove(to: .acknowledged))
        #expect(!CaseState.routed.canMove(to: .resolved), "a case must be acknowledged before it is resolved")
        #expect(!CaseState.resolved.canMove(to: .inProgress))
    }
}

@Suite("Inbound SMS classification")
struct InboundSMSClassifierTests {
    let code = ReferenceCode(parsing: "7KQ2ZX")!

    @Test("reporter commands in French and English, any case, with or without accents", arguments: [
        "STATUS 7KQ2ZX", "status 7kq2zx", "ETAT 7KQ2ZX", "État 7kq2zx", "etat 7KQ-2ZX", "  Statut   7KQ2ZX  ",
    ])
    func status(text: String) {
        let expected = InboundSMSKind.reporterCommand(.status(ReferenceCode(parsing: "7KQ2ZX")!))
        #expect(InboundSMSClassifier.classify(text) == expected)
    }

    @Test("responder verbs in French and English")
    func responderCommands() {
        #expect(InboundSMSClassifier.classify("OK 7KQ2ZX") == .responderCommand(.init(verb: .acknowledge, code: code, text: nil)))
        #expect(InboundSMSClassifier.classify("ack 7kq2zx") == .responderCommand(.init(verb: .acknowledge, code: code, text: nil)))
        #expect(InboundSMSClassifier.classify("NOTE 7KQ2ZX patrouille envoyée") == .responderCommand(.init(verb: .note, code: code, text: "patrouille envoyée")))
        #expect(InboundSMSClassifier.classify("Fait 7KQ2ZX bétail rendu") == .responderCommand(.init(verb: .resolve, code: code, text: "bétail rendu")))
        #expect(InboundSMSClassifier.classify("DONE 7KQ2ZX cattle returned") == .responderCommand(.init(verb: .resolve, code: code, text: "cattle returned")))
        #expect(InboundSMSClassifier.classify("REF 7KQ2ZX college-gao") == .responderCommand(.init(verb: .refer, code: code, text: "college-gao")))
        #expect(InboundSMSClassifier.classify("rej 7KQ2ZX doublon") == .responderCommand(.init(verb: .dismiss, code: code, text: "doublon")))
        // A feature phone's text with doubled spaces and a line break reads as one spaced line.
        #expect(InboundSMSClassifier.classify("NOTE  7KQ2ZX  deux   hommes\narrêtés ") == .responderCommand(.init(verb: .note, code: code, text: "deux hommes arrêtés")))
    }

    @Test("opt-outs, opt-ins and replies")
    func optOutAndReplies() {
        for word in ["STOP", "stop", "Arrêt", "ARRET", " stop "] {
            #expect(InboundSMSClassifier.classify(word) == .optOut, "\(word)")
        }
        for word in ["START", "start", "Démarrer", "REPRENDRE", " unstop "] {
            #expect(InboundSMSClassifier.classify(word) == .optIn, "\(word)")
        }
        // Only alone: a report that starts with the word stays a report, and "oui" answers questions.
        #expect(InboundSMSClassifier.classify("start du feu au marché") == .report)
        #expect(InboundSMSClassifier.classify("oui") == .report)
        #expect(InboundSMSClassifier.classify("4") == .reporterCommand(.reply(4)))
        #expect(InboundSMSClassifier.classify("5!") == .reporterCommand(.reply(5)))
        #expect(InboundSMSClassifier.classify("6") == .report)
    }

    @Test("reports that merely look like commands stay reports")
    func reportsStayReports() {
        #expect(InboundSMSClassifier.classify("ok bandit armé au marché") == .report, "BANDIT folds to a code shape but has no digit")
        #expect(InboundSMSClassifier.classify("Stop aux violences à Gao, ils frappent les femmes") == .report)
        #expect(InboundSMSClassifier.classify("Des hommes armés à Sévaré") == .report)
        #expect(InboundSMSClassifier.classify("") == .report)
        #expect(InboundSMSClassifier.classify("ok BANDIT", codeExists: { $0.value == "BAND1T" }) != .report,
                "a digit-less token counts when that code really was issued")
    }
}
