import AccountabilityService
import Foundation
import HotlineDomain
import HotlineTestSupport
import PostgresNIO
import Testing

/// Accountability against PostgreSQL with an injected clock. Serialized: the scheduler scans
/// every overdue case in the schema, so these tests must not advance clocks under each other.
@Suite("Accountability desk", .serialized)
struct CaseDeskTests {
    static let hour: TimeInterval = 3_600
    let sevChair = AccountabilityHarness.phone("+22370000015")      // M-SEV-01, CSC-ML-5-MOP-SEV
    let segouChair = AccountabilityHarness.phone("+22370000031")    // M-SEG-01, CSC-ML-4
    let djenneCollege = AccountabilityHarness.phone("+22370000025") // M-CDJ-01, COL-ML-5-DJE

    func withHarness(_ settings: AccountabilitySettings = AccountabilitySettings(),
                     _ body: @Sendable (AccountabilityHarness) async throws -> Void) async throws {
        let client = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        try await withRunningServices([client]) {
            try await AccountabilityHarness.prepare(client)
            try await body(AccountabilityHarness(client: client, settings: settings))
        }
    }

    @Test("silence escalates commune → cercle → region → national, with new deadlines, alerts and oversight; 48 hours pass in a moment")
    func escalationWithInjectedClock() async throws {
        try await withHarness { harness in
            let event = harness.routed(reporter: AccountabilityHarness.randomReporter().phone)
            let caseID = event.data.caseID
            try await harness.desk.open(event)
            try await harness.desk.open(event)  // redelivery
            #expect(try await harness.events(caseID).map(\.kind) == ["routed"])

            harness.clock.advance(by: 47 * Self.hour)
            try await harness.desk.escalateOverdue()
            #expect(try await harness.state(caseID).owner == "CSC-ML-5-MOP-SEV", "not yet overdue at 47 h")

            harness.clock.advance(by: 2 * Self.hour)
            try await harness.desk.escalateOverdue()
            #expect(try await harness.state(caseID).owner == "CSC-ML-5-MOP")
            let alerts = try await harness.caseRequests(caseID)
            #expect(alerts.contains { $0.template == "member.escalation" && $0.parameters["target"] == "CSC-ML-5-MOP" })
            #expect(alerts.contains { $0.template == "member.oversight_escalation" }, "the oversight body hears of it")
            #expect(alerts.allSatisfy { $0.audience == "member" }, "the reporter is not told of internal escalations")

            for expected in ["CSC-ML-5", "NAT-TRIAGE"] {
                harness.clock.advance(by: 49 * Self.hour)
                try await harness.desk.escalateOverdue()
                #expect(try await harness.state(caseID).owner == expected)
            }
            harness.clock.advance(by: 49 * Self.hour)
            try await harness.desk.escalateOverdue()
            let kinds = try await harness.events(caseID).map(\.kind)
            #expect(kinds == ["routed", "escalated", "escalated", "escalated", "deadline_breached"])

            // The escalated-to committee may now act; acknowledging stops the acknowledgement clock.
            let regional = AccountabilityHarness.phone("+22370000011")  // M-MOP-01, CSC-ML-5
            let ack = harness.command("OK \(event.data.referenceCode.value)", from: regional)
            try await harness.desk.handle(ack)
            #expect(try await harness.state(caseID).state == "acknowledged")
            harness.clock.advance(by: 49 * Self.hour)
            try await harness.desk.escalateOverdue()
            #expect(try await harness.events(caseID).count == 6, "an acknowledged case waits for its resolution deadline")
        }
    }

    @Test("two replicas scanning the same overdue cases escalate each exactly once")
    func escalationExactlyOnceAcrossReplicas() async throws {
        try await withHarness { first in
            let secondClient = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
            try await withRunningServices([secondClient]) {
                let second = AccountabilityHarness(client: secondClient, clock: first.clock)
                var caseIDs: [UUID] = []
                for _ in 0..<40 {
                    let event = first.routed(priority: .urgent, reporter: nil)
                    try await first.desk.open(event)
                    caseIDs.append(event.data.caseID)
                }
                first.clock.advance(by: 1.5 * Self.hour)
                async let a = first.desk.escalateOverdue(batchSize: 5)
                async let b = second.desk.escalateOverdue(batchSize: 5)
                let (countA, countB) = try await (a, b)
                #expect(countA + countB >= 40)
                for caseID in caseIDs {
                    let kinds = try await first.events(caseID).map(\.kind)
                    #expect(kinds == ["routed", "escalated"], "case \(caseID): \(kinds)")
                }
            }
        }
    }

    @Test("responders act by SMS: OK, NOTE, FAIT, REF and REJ, with confirmations and clear errors")
    func smsCommands() async throws {
        try await withHarness { harness in
            let reporter = AccountabilityHarness.randomReporter().phone
            let event = harness.routed(reporter: reporter)
            try await harness.desk.open(event)
            let code = event.data.referenceCode.value

            func send(_ text: String, from phone: ProtectedPhone) async throws -> NotificationRequested {
                let command = harness.command(text, from: phone)
                try await harness.desk.handle(command)
                try await harness.desk.handle(command)  // redelivered: applied and answered once
                let replies = try await harness.replies(to: command)
                try #require(replies.count == 1, "one reply to '\(text)', got \(replies.count)")
                return replies[0]
            }

            let outsider = try await send("OK \(code)", from: segouChair)
            #expect(outsider.template == "member.error.not_your_case")
            #expect(try await harness.state(event.data.caseID).state == "routed")

            let stranger = try await send("OK \(code)", from: AccountabilityHarness.randomReporter().phone)
            #expect(stranger.template == "neutral.received")
            #expect(stranger.parameters.isEmpty && stranger.referenceCode == nil, "a neutral reply reveals nothing")

            #expect(try await send("OK 7ZZZZ9", from: sevChair).template == "member.error.unknown_code")
            #expect(try await send("FAIT \(code) voleurs arrêtés", from: sevChair).template == "member.error.illegal_transition")

            let ack = try await send("OK \(code)", from: sevChair)
            #expect(ack.template == "member.command_ok")
            #expect(ack.parameters["state"] == "acknowledged")
            #expect(ack.language == "fr")
            #expect(try await harness.caseRequests(event.data.caseID).contains {
                $0.audience == "reporter" && $0.template == "reporter.case_update" && $0.parameters["state"] == "acknowledged"
                    && $0.parameters["category"] == nil && $0.parameters["place"] == nil
            }, "the reporter learns the state, never the category or place")

            #expect(try await send("NOTE \(code)", from: sevChair).template == "member.error.missing_text")
            #expect(try await send("NOTE \(code) patrouille envoyée au marché", from: sevChair).template == "member.command_ok")
            #expect(try await send("REF \(code) XX-NOWHERE", from: sevChair).template == "member.error.unknown_target")
            #expect(try await send("REF \(code) COL-ML-5-DJE litige foncier", from: sevChair).template == "member.command_ok")
            #expect(try await harness.state(event.data.caseID).state == "referred")
            #expect(try await harness.caseRequests(event.data.caseID).contains { $0.template == "member.referral" })
            #expect(try await send("OK \(code)", from: djenneCollege).parameters["state"] == "acknowledged")
            #expect(try await harness.state(event.data.caseID).owner == "COL-ML-5-DJE")
            #expect(try await send("DONE \(code) accord entre les familles", from: djenneCollege).parameters["state"] == "resolved")
            #expect(try await send("REJ \(code) doublon", from: djenneCollege).template == "member.error.illegal_transition")
            #expect(try await harness.events(event.data.caseID).map(\.kind)
                    == ["routed", "transition", "note", "referred", "referral_accepted", "transition"])
        }
    }

    @Test("STATUS answers the reporter's own number only, in the reporter's language; anyone else learns nothing")
    func statusPrivacy() async throws {
        try await withHarness { harness in
            let reporter = AccountabilityHarness.randomReporter().phone
            let event = harness.routed(reporter: reporter, language: "en")
            try await harness.desk.open(event)
            let code = event.data.referenceCode.value

            let own = harness.command("STATUS \(code)", from: reporter)
            try await harness.desk.handle(own)
            let ownReply = try #require(try await harness.replies(to: own).first)
            #expect(ownReply.template == "reporter.status")
            #expect(ownReply.parameters == ["reference_code": code, "state": "routed"])
            #expect(ownReply.language == "en")
            #expect(ownReply.recipient == reporter)

            let other = AccountabilityHarness.randomReporter().phone
            let snoop = harness.command("ETAT \(code)", from: other)
            try await harness.desk.handle(snoop)
            let unknown = harness.command("STATUS 7ZZZZ9", from: other)
            try await harness.desk.handle(unknown)
            let snoopReply = try #require(try await harness.replies(to: snoop).first)
            let unknownReply = try #require(try await harness.replies(to: unknown).first)
            #expect(snoopReply.template == "reporter.status_unknown")
            #expect(snoopReply.parameters.isEmpty && snoopReply.caseID == nil && snoopReply.referenceCode == nil)
            #expect(snoopReply.template == unknownReply.template && snoopReply.parameters == unknownReply.parameters
                    && snoopReply.language == unknownReply.language, "someone else's case and no case read alike")
        }
    }

    @Test("a resolved case asks for a rating; the answer is kept; later a perception survey is answered by area only, once per period")
    func ratingAndSurvey() async throws {
        var settings = AccountabilitySettings()
        settings.survey?.questionID = "perception"
        try await withHarness(settings) { harness in
            let reporter = AccountabilityHarness.randomReporter().phone
            let event = harness.routed(reporter: reporter)
            try await harness.desk.open(event)
            let code = event.data.referenceCode
            let actor = CaseActor(id: "api:test", role: "coordinator", channel: .api)
            _ = try await harness.desk.act(on: code, .acknowledge, by: actor)
            _ = try await harness.desk.act(on: code, .resolve(summary: "objets restitués"), by: actor)
            #expect(try await harness.caseRequests(event.data.caseID).contains { $0.template == "reporter.rating_request" })

            let rating = harness.command("4", from: reporter)
            try await harness.desk.handle(rating)
            #expect(try await harness.replies(to: rating).first?.template == "reporter.rating_thanks")
            let stored = try await harness.client.query("SELECT rating FROM accountability.cases WHERE case_id = \(event.data.caseID)",
                                                        logger: TestEnvironment.logger).collect().first!.decode(Int?.self)
            #expect(stored == 4)
            #expect(try await harness.events(event.data.caseID).last?.kind == "rated")

            let again = harness.command("1", from: reporter)
            try await harness.desk.handle(again)
            #expect(try await harness.replies(to: again).isEmpty, "no question pending: a stray digit changes nothing")

            // The survey goes to consenting past reporters of Mopti region, once per period, whichever replica runs it.
            harness.clock.advance(by: 31 * 86_400)
            let before = try await harness.requests("survey:").count
            try await harness.desk.runSurveys()
            try await harness.desk.runSurveys()
            let surveys = try await harness.requests("survey:")
            let mine = surveys.dropFirst(before).filter { $0.recipient == reporter }
            #expect(mine.count == 1)
            #expect(mine.first?.template == "survey.perception")
            #expect(mine.first?.priority == .survey)

            let answer = harness.command("2", from: reporter)
            try await harness.desk.handle(answer)
            #expect(try await harness.replies(to: answer).first?.template == "reporter.survey_thanks")
            let answers = try await harness.client.query("""
                SELECT area_code, score FROM accountability.survey_answers WHERE answered_on = \(CaseDeskTests.day(harness.clock.now()))::date
                """, logger: TestEnvironment.logger).collect().map { try $0.decode((String, Int).self) }
            #expect(answers.contains { $0 == ("ML-5", 2) })
            let columns = try await harness.client.query("""
                SELECT column_name FROM information_schema.columns WHERE table_schema = 'accountability' AND table_name = 'survey_answers'
                """, logger: TestEnvironment.logger).collect().map { try $0.decode(String.self) }
            #expect(Set(columns) == ["answer_id", "question_id", "area_code", "answered_on", "score"], "answers are never stored by person")
        }
    }

    @Test("after STOP a reporter gets no updates, no rating question and no survey")
    func optOut() async throws {
        try await withHarness { harness in
            let reporter = AccountabilityHarness.randomReporter().phone
            let event = harness.routed(reporter: reporter)
            try await harness.desk.open(event)
            try await harness.desk.handle(harness.command("STOP", from: reporter))
            let actor = CaseActor(id: "api:test", role: "coordinator", channel: .api)
            _ = try await harness.desk.act(on: event.data.referenceCode, .acknowledge, by: actor)
            _ = try await harness.desk.act(on: event.data.referenceCode, .resolve(summary: "fait"), by: actor)
            let toReporter = try await harness.caseRequests(event.data.caseID).filter { $0.recipient == reporter }
            #expect(toReporter.isEmpty, "opted-out reporter was sent \(toReporter.map(\.template))")
            let pending = try await harness.client.query("SELECT 1 FROM accountability.pending_replies WHERE pseudonym = \(reporter.pseudonym)",
                                                         logger: TestEnvironment.logger).collect()
            #expect(pending.isEmpty)
        }
    }

    @Test("START after STOP: the reporter hears about the case again")
    func optInAfterOptOut() async throws {
        try await withHarness { harness in
            let reporter = AccountabilityHarness.randomReporter().phone
            let event = harness.routed(reporter: reporter)
            try await harness.desk.open(event)
            try await harness.desk.handle(harness.command("STOP", from: reporter))
            let actor = CaseActor(id: "api:test", role: "coordinator", channel: .api)
            _ = try await harness.desk.act(on: event.data.referenceCode, .acknowledge, by: actor)
            #expect(try await harness.caseRequests(event.data.caseID).filter { $0.recipient == reporter }.isEmpty)
            try await harness.desk.handle(harness.command("START", from: reporter))
            _ = try await harness.desk.act(on: event.data.referenceCode, .resolve(summary: "fait"), by: actor)
            let toReporter = try await harness.caseRequests(event.data.caseID).filter { $0.recipient == reporter }
            #expect(!toReporter.isEmpty, "the reporter who sent START was not told of the resolution")
            let optOuts = try await harness.client.query("SELECT 1 FROM accountability.opt_outs WHERE pseudonym = \(reporter.pseudonym)",
                                                         logger: TestEnvironment.logger).collect()
            #expect(optOuts.isEmpty)
        }
    }

    @Test("the audit chain refuses edits, and a row corrupted behind its back is found at the first broken link")
    func corruptedAuditRow() async throws {
        try await withHarness { harness in
            let event = harness.routed(reporter: nil)
            try await harness.desk.open(event)
            let actor = CaseActor(id: "api:test", role: "coordinator", channel: .api)
            _ = try await harness.desk.act(on: event.data.referenceCode, .acknowledge, by: actor)
            _ = try await harness.desk.act(on: event.data.referenceCode, .note("première visite"), by: actor)
            _ = try await harness.desk.act(on: event.data.referenceCode, .resolve(summary: "résolu"), by: actor)
            let intact = try await AuditVerifier(postgres: harness.client, logger: TestEnvironment.logger).verify(caseID: event.data.caseID)
            #expect(intact.breaks.isEmpty)
            #expect(intact.events == 4)

            await #expect(throws: (any Error).self, "UPDATE is refused by the append-only trigger") {
                try await harness.client.query("UPDATE accountability.case_events SET detail = 'x' WHERE case_id = \(event.data.caseID)",
                                               logger: TestEnvironment.logger)
            }
            // Someone with owner rights disables the guard and rewrites history.
            try await harness.client.withTransaction(logger: TestEnvironment.logger) { connection in
                try await connection.query("ALTER TABLE accountability.case_events DISABLE TRIGGER case_events_append_only", logger: TestEnvironment.logger)
                try await connection.query("""
                    UPDATE accountability.case_events SET detail = 'deuxième visite' WHERE case_id = \(event.data.caseID) AND sequence = 3
                    """, logger: TestEnvironment.logger)
                try await connection.query("ALTER TABLE accountability.case_events ENABLE TRIGGER case_events_append_only", logger: TestEnvironment.logger)
            }
            let report = try await AuditVerifier(postgres: harness.client, logger: TestEnvironment.logger).verify(caseID: event.data.caseID)
            #expect(report.breaks.map(\.sequence) == [3])
            #expect(report.breaks.first?.reason.contains("altered") == true)
        }
    }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}
