import Foundation
import HotlineStorage
import Logging
import PostgresNIO

/// Destroys the numbers that could be decrypted (the AES-GCM ciphertexts) a set number of days
/// after a case closes. Cases, their audit chains, pseudonymous rows and the warehouse stay.
package struct PIIRetention: Sendable {
    package struct Outcome: Sendable, Equatable {
        package var cases = 0
        package var reports = 0
        package var notifications = 0
    }

    /// Key id of a ciphertext that retention erased where the column may not be null.
    package static let destroyedKeyID = "destroyed"

    let postgres: PostgresClient
    let logger: Logger

    package init(postgres: PostgresClient, logger: Logger) {
        self.postgres = postgres
        self.logger = logger
    }

    /// - Parameter dryRun: count what would be destroyed, in a transaction that is rolled back.
    package func run(closedBefore cutoff: Date, now: Date = Date(), dryRun: Bool = false) async throws -> Outcome {
        do {
            return try await postgres.inTransaction(logger: logger) { connection -> Outcome in
                let outcome = try await destroy(closedBefore: cutoff, now: now, on: connection)
                if dryRun { throw DryRun(outcome: outcome) }
                return outcome
            }
        } catch let dryRun as DryRun {
            return dryRun.outcome
        }
    }

    private struct DryRun: Error { var outcome: Outcome }

    private func destroy(closedBefore cutoff: Date, now: Date, on connection: PostgresConnection) async throws -> Outcome {
        var outcome = Outcome()
        guard try await exists("accountability.cases", on: connection) else { return outcome }
        var caseIDs: [UUID] = []
        let rows = try await connection.query("""
            UPDATE accountability.cases SET reporter_key_id = NULL, reporter_ciphertext = NULL, pii_destroyed_at = \(now)
            WHERE state IN ('resolved', 'dismissed') AND closed_at < \(cutoff) AND pii_destroyed_at IS NULL
            RETURNING case_id
            """, logger: logger)
        for try await caseID in rows.decode(UUID.self) { caseIDs.append(caseID) }
        outcome.cases = caseIDs.count
        guard !caseIDs.isEmpty else { return outcome }

        if try await exists("intake.reports", on: connection), try await exists("routing.cases", on: connection) {
            outcome.reports = try await count(connection.query("""
                UPDATE intake.reports r SET reporter_key_id = NULL, reporter_ciphertext = NULL
                FROM routing.cases c
                WHERE c.report_id = r.report_id AND c.case_id = ANY(\(caseIDs)) AND r.reporter_ciphertext IS NOT NULL
                RETURNING 1
                """, logger: logger))
        }
        if try await exists("notification.notifications", on: connection) {
            // Only messages that are finished: a queued one still needs its number to be sent. The columns are
            // NOT NULL there, so the ciphertext is replaced by a marker that no key can open.
            outcome.notifications = try await count(connection.query("""
                UPDATE notification.notifications SET recipient_key_id = \(PIIRetention.destroyedKeyID), recipient_ciphertext = ''
                WHERE case_id = ANY(\(caseIDs)) AND recipient_key_id <> \(PIIRetention.destroyedKeyID)
                  AND status IN ('sent', 'delivered', 'failed', 'unknown', 'suppressed')
                RETURNING 1
                """, logger: logger))
        }
        logger.notice("retention destroyed sealed numbers", metadata: [
            "cases": "\(outcome.cases)", "reports": "\(outcome.reports)", "notifications": "\(outcome.notifications)",
        ])
        return outcome
    }

    private func exists(_ table: String, on connection: PostgresConnection) async throws -> Bool {
        try await count(connection.query("SELECT 1 WHERE to_regclass(\(table)) IS NOT NULL", logger: logger)) > 0
    }
}

func count(_ rows: PostgresRowSequence) async throws -> Int {
    var total = 0
    for try await _ in rows { total += 1 }
    return total
}
