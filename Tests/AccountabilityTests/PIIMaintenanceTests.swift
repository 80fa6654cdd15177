import AccountabilityService
import Crypto
import Foundation
import HotlineDomain
import HotlineOperations
import HotlinePrivacy
import HotlineTestSupport
import PostgresNIO
import Testing

/// Retention destroys only the sealed numbers of long-closed cases; key rotation re-seals without loss.
@Suite("PII retention and key rotation", .serialized)
struct PIIMaintenanceTests {
    @Test("retention erases the ciphertext of cases closed long ago and nothing else: case, chain, events and open cases stay")
    func retentionKeepsEverythingElse() async throws {
        let client = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        try await withRunningServices([client]) {
            try await AccountabilityHarness.prepare(client)
            let harness = AccountabilityHarness(client: client)
            let closed = harness.routed(reporter: AccountabilityHarness.randomReporter().phone)
            let open = harness.routed(reporter: AccountabilityHarness.randomReporter().phone)
            try await harness.desk.open(closed)
            try await harness.desk.open(open)
            let actor = CaseActor(id: "api:test", role: "coordinator", channel: .api)
            _ = try await harness.desk.act(on: closed.data.referenceCode, .acknowledge, by: actor)
            _ = try await harness.desk.act(on: closed.data.referenceCode, .resolve(summary: "fait"), by: actor)
            try await client.query("""
                UPDATE accountability.cases SET closed_at = now() - interval '100 days' WHERE case_id = \(closed.data.caseID)
                """, logger: TestEnvironment.logger)

            func row(_ caseID: UUID) async throws -> (String, String?, String?, Date?) {
                try await client.query("""
                    SELECT state, reporter_pseudonym, reporter_ciphertext, pii_destroyed_at FROM accountability.cases WHERE case_id = \(caseID)
                    """, logger: TestEnvironment.logger).collect().first!.decode((String, String?, String?, Date?).self)
            }
            let eventsBefore = try await harness.events(closed.data.caseID)
            let verifier = AuditVerifier(postgres: client, logger: TestEnvironment.logger)

            let retention = PIIRetention(postgres: client, logger: TestEnvironment.logger)
            let cutoff = Date().addingTimeInterval(-90 * 86_400)
            let dry = try await retention.run(closedBefore: cutoff, dryRun: true)
            #expect(dry.cases >= 1)
            #expect(try await row(closed.data.caseID).2 != nil, "a dry run destroys nothing")

            let outcome = try await retention.run(closedBefore: cutoff)
            #expect(outcome.cases >= 1)
            let (state, pseudonym, ciphertext, destroyedAt) = try await row(closed.data.caseID)
            #expect(ciphertext == nil && destroyedAt != nil)
            #expect(state == "resolved" && pseudonym == closed.data.reporter?.pseudonym, "the case and its pseudonym stay")
            #expect(try await harness.events(closed.data.caseID).map(\.kind) == eventsBefore.map(\.kind))
            #expect(try await verifier.verify(caseID: closed.data.caseID).breaks.isEmpty, "the audit chain is untouched")
            #expect(try await row(open.data.caseID).2 != nil, "an open case keeps its reporter's number")
            #expect(try await retention.run(closedBefore: cutoff).cases == 0, "a second run finds nothing left")
        }
    }

    @Test("key rotation re-seals every stored number under the new key; each still opens to the same number")
    func keyRotation() async throws {
        // A database of its own: rotation rewrites every sealed number, which other tests running now must not see.
        let name = "rotation_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        try await withRunningServices([admin]) {
            try await admin.query("CREATE DATABASE \(unescaped: name)", logger: TestEnvironment.logger)
            do {
                try await rotate(in: name)
            } catch {
                try await admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: TestEnvironment.logger)
                throw error
            }
            try await admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: TestEnvironment.logger)
        }
    }

    func rotate(in name: String) async throws {
        var configuration = TestEnvironment.database
        configuration.database = name
        let client = try configuration.makeClient(logger: TestEnvironment.logger)
        try await withRunningServices([client]) {
            try await AccountabilityHarness.prepare(client)
            let harness = AccountabilityHarness(client: client)
            let number = "+22376\(Int.random(in: 100_000...999_999))"
            let event = harness.routed(reporter: AccountabilityHarness.phone(number))
            try await harness.desk.open(event)

            let old = PIIKeyring.development
            var keys = old.encryptionKeys
            keys["k2"] = SymmetricKey(size: .bits256)
            let rotated = try PIIKeyring(pseudonymKey: old.pseudonymKey, encryptionKeys: keys, activeKeyID: "k2")
            let outcome = try await KeyRotation(postgres: client, protector: PIIProtector(keyring: rotated), logger: TestEnvironment.logger).run()
            #expect(outcome.failures == 0)
            #expect((outcome.resealed["accountability.cases"] ?? 0) >= 1)
            #expect((outcome.resealed["reference.members"] ?? 0) > 0)

            let (keyID, ciphertext, pseudonym) = try await client.query("""
                SELECT reporter_key_id, reporter_ciphertext, reporter_pseudonym FROM accountability.cases WHERE case_id = \(event.data.caseID)
                """, logger: TestEnvironment.logger).collect().first!.decode((String, String, String).self)
            #expect(keyID == "k2")
            #expect(try PIIProtector(keyring: rotated).open(SealedPhone(keyID: keyID, ciphertext: ciphertext)) == number)
            #expect(pseudonym == event.data.reporter?.pseudonym, "pseudonyms do not change, so joins and opt-outs hold")
            #expect(throws: (any Error).self, "the old ring alone can no longer open it") {
                try PIIProtector(keyring: old).open(SealedPhone(keyID: keyID, ciphertext: ciphertext))
            }
        }
    }
}
