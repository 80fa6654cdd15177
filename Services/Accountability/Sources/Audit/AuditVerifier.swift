import Foundation
import Logging
import PostgresNIO

/// Walks stored audit chains and reports every case whose chain does not hold.
package struct AuditVerifier: Sendable {
    package struct Report: Sendable {
        package var cases = 0
        package var events = 0
        /// The first broken link of each broken case.
        package var breaks: [AuditBreak] = []
    }

    let postgres: PostgresClient
    let logger: Logger

    package init(postgres: PostgresClient, logger: Logger) {
        self.postgres = postgres
        self.logger = logger
    }

    package func verify(caseID: UUID) async throws -> Report {
        try await verify(caseID: Optional(caseID))
    }

    /// Every case, streamed in case order so memory stays flat however long the history.
    package func verifyAll() async throws -> Report {
        try await verify(caseID: nil)
    }

    private func verify(caseID: UUID?) async throws -> Report {
        let rows = try await postgres.query("""
            SELECT case_id, sequence, kind, from_state, to_state, actor_id, actor_role, channel, target, detail, rating,
                   occurred_at_ms, previous_hash, hash
            FROM accountability.case_events
            WHERE \(caseID)::uuid IS NULL OR case_id = \(caseID)
            ORDER BY case_id, sequence
            """, logger: logger)
        var report = Report()
        var current: [AuditLink] = []
        func close() {
            guard !current.isEmpty else { return }
            report.cases += 1
            if let broken = AuditChain.verify(current) { report.breaks.append(broken) }
            current.removeAll(keepingCapacity: true)
        }
        for try await row in rows.decode((UUID, Int, String, String?, String?, String, String, String, String?, String?, Int?, Int64, String, String).self) {
            if let last = current.last, last.caseID != row.0 { close() }
            report.events += 1
            current.append(AuditLink(caseID: row.0, sequence: row.1, kind: row.2, fromState: row.3, toState: row.4, actorID: row.5,
                                     actorRole: row.6, channel: row.7, target: row.8, detail: row.9, rating: row.10,
                                     occurredAtMilliseconds: row.11, previousHash: row.12, hash: row.13))
        }
        close()
        return report
    }
}
