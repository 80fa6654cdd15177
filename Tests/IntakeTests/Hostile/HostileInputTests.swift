import Foundation
import HTTPTypes
import HotlinePrivacy
import HotlineRuntime
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import IntakeService
import Logging
import NIOCore
import PostgresNIO
import Testing

/// Issue 8's hostile corpus: at least 10,000 generated requests against a live intake.
///
/// Deterministic for a seed (`HOTLINE_HOSTILE_SEED`); `HOTLINE_HOSTILE_REQUESTS` and
/// `HOTLINE_HOSTILE_CONCURRENCY` change the size and the number of connections.
@Suite("Intake hostile input")
struct HostileInputTests {
    let logger = TestEnvironment.logger

    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var requestCount: Int { environment["HOTLINE_HOSTILE_REQUESTS"].flatMap(Int.init) ?? 10_000 }
    static var concurrency: Int { environment["HOTLINE_HOSTILE_CONCURRENCY"].flatMap(Int.init) ?? 8 }
    static var seed: UInt64 { environment["HOTLINE_HOSTILE_SEED"].flatMap { UInt64($0) } ?? 0x5A4E_1C0F }

    @Test("hostile corpus: no 5xx, server alive, every forgery refused, nothing stored for refused requests")
    func hostileCorpus() async throws {
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await IntakeHarness.seedReference(client: probe)
            let store = AccessStore(postgres: probe)
            let operatorKey = try await IntakeHarness.apiKey(role: .operator, client: probe)
            let coordinatorKey = try await store.createKey(role: .coordinator, label: "hostile corpus", logger: logger).key
            let revoked = try await store.createKey(role: .operator, label: "hostile corpus, revoked", logger: logger)
            _ = try await store.revoke(keyID: revoked.keyID, logger: logger)

            let runID = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(6))
            var corpus = HostileCorpus(seed: Self.seed, runID: runID, operatorKey: operatorKey, coordinatorKey: coordinatorKey,
                                       revokedKey: revoked.key)
            let requests = corpus.generate(count: Self.requestCount)
            #expect(requests.count >= Self.requestCount)

            let app = try IntakeHarness.makeApp(logger: logger, senderLimitPerHour: 1_000)
            let started = ContinuousClock.now
            let (outcomes, alive) = try await app.test(.live) { client in
                let port = try #require(client.port)
                let outcomes = try await HostileRunner.run(requests, port: port, concurrency: Self.concurrency)
                let health = try await client.execute(uri: "/healthz", method: .get)
                return (outcomes, health.status == .ok)
            }
            let elapsed = ContinuousClock.now - started
            #expect(alive, "intake still answers /healthz after the corpus")

            let report = HostileReport(requests: requests, outcomes: outcomes)
            print(report.summary(elapsed: elapsed, seed: Self.seed, concurrency: Self.concurrency))
            for failure in report.failures.prefix(25) { Issue.record(Comment(rawValue: failure)) }
            #expect(report.failures.isEmpty, "\(report.failures.count) requests answered against expectation")
            #expect(report.serverErrors == 0, "no 5xx")
            #expect(report.transportErrors == 0, "no connection dropped without an answer")
            #expect(report.forgedTotal > requests.count / 10 && report.forgedRefused == report.forgedTotal, "every forged signature or token refused")

            try await verifyStorage(report: report, corpus: corpus, probe: probe)
        }
    }

    /// Proves with SQL that refused requests stored nothing, and that accepted ones were stored as sent.
    func verifyStorage(report: HostileReport, corpus: HostileCorpus, probe: PostgresClient) async throws {
        let pattern = "\(corpus.prefix)[0-9]{6}z"
        let like = "%\(corpus.prefix)%"
        var stored = Set<String>()
        let rows = try await probe.query("""
            SELECT (regexp_matches(t, \(pattern), 'g'))[1] FROM (
                SELECT text || ' ' || coalesce(location_hint, '') AS t FROM intake.reports WHERE text LIKE \(like) OR location_hint LIKE \(like)
                UNION ALL SELECT gateway_message_id FROM intake.inbound_messages WHERE gateway_message_id LIKE \(like)
                UNION ALL SELECT convert_from(payload, 'UTF8') || ' ' || convert_from(message_key, 'UTF8') FROM intake.outbox
                    WHERE convert_from(payload, 'UTF8') LIKE \(like) OR convert_from(message_key, 'UTF8') LIKE \(like)
                UNION ALL SELECT session_id || ' ' || last_text || ' ' || state::text FROM intake.ussd_sessions
                    WHERE session_id LIKE \(like) OR last_text LIKE \(like)
            ) AS stored_rows
            """, logger: logger)
        for try await marker in rows.decode(String.self) { stored.insert(marker) }

        let leaked = report.markersThatMustNotBeStored.intersection(stored)
        #expect(leaked.isEmpty, "rows stored for refused requests: \(leaked.sorted().prefix(10))")
        let missing = report.markersThatMustBeStored.subtracting(stored)
        #expect(missing.isEmpty, "valid controls not found: \(missing.sorted().prefix(10))")
        #expect(!report.markersThatMustBeStored.isEmpty)

        let protector = PIIProtector(keyring: .development)
        let pseudonyms = report.phonesThatMustNotBeStored.compactMap { PhoneNumber.normalise($0, defaultCountryCode: "223") }
            .map { protector.pseudonym(of: $0) }
        let senderRows = try await IntakeHarness.count(probe, """
            SELECT count(*) FROM (
                SELECT reporter_pseudonym FROM intake.reports WHERE reporter_pseudonym = ANY(\(pseudonyms))
                UNION ALL SELECT sender_pseudonym FROM intake.inbound_messages WHERE sender_pseudonym = ANY(\(pseudonyms))
                UNION ALL SELECT pseudonym FROM intake.sender_windows WHERE pseudonym = ANY(\(pseudonyms))
                UNION ALL SELECT sender_pseudonym FROM intake.ussd_sessions WHERE sender_pseudonym = ANY(\(pseudonyms))
            ) AS senders
            """)
        #expect(!pseudonyms.isEmpty && senderRows == 0, "no row names a sender only refused requests used")

        var texts: [String: [String]] = [:]
        let textRows = try await probe.query(
            "SELECT substring(text from \(pattern)), text FROM intake.reports WHERE text LIKE \(like)", logger: logger)
        for try await (marker, text) in textRows.decode((String?, String).self) {
            if let marker { texts[marker, default: []].append(text) }
        }
        #expect(texts.values.allSatisfy { $0.count == 1 }, "replays and reused ids stored no second report")
        for (marker, expected) in report.verbatimTexts {
            #expect(texts[marker] == [expected], "stored exactly as sent: \(marker)")
        }
        print("hostile corpus: \(stored.count) markers stored, \(report.markersThatMustNotBeStored.count) refused markers and "
              + "\(pseudonyms.count) refused senders checked absent, \(report.verbatimTexts.count) injection texts stored verbatim")
    }
}
