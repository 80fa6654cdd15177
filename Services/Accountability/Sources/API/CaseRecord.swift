import Foundation
import HotlineDomain
import Logging
import PostgresNIO

/// Everything known about a case, for coordinators and for the printable record.
package struct CaseRecord: Sendable {
    package struct Entry: Sendable {
        package var link: AuditLink
        package var occurredAt: Date
    }

    package struct HearingEntry: Sendable {
        package var college: String
        package var heldOn: String
        package var parties: [Hearing.Party]
        package var decision: String
    }

    package var snapshot: CaseSnapshot
    package var targets: [(code: String, type: String, role: String)]
    package var history: [Entry]
    package var hearings: [HearingEntry]
    package var chainBreak: AuditBreak?

    package var headHash: String { history.last?.link.hash ?? AuditChain.genesis }
}

/// Reads whole case records; used by the API and by `hotlinectl case show`.
package struct CaseRecords: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let ledger: CaseLedger

    package init(postgres: PostgresClient, logger: Logger) {
        self.postgres = postgres
        self.logger = logger
        self.ledger = CaseLedger(logger: logger)
    }

    /// Nil when no case has the code, or when `scope` may not see it.
    package func record(of code: ReferenceCode, scope: CaseScope?) async throws -> CaseRecord? {
        try await postgres.withConnection { connection -> CaseRecord? in
            guard let snapshot = try await ledger.find(code: code, on: connection) else { return nil }
            if let scope, !scope.allows(snapshot) { return nil }
            var targets: [(String, String, String)] = []
            for try await row in try await connection.query("""
                SELECT target_code, target_type, role FROM accountability.case_targets WHERE case_id = \(snapshot.caseID) ORDER BY role, target_code
                """, logger: logger).decode((String, String, String).self) {
                targets.append(row)
            }
            let links = try await ledger.links(of: snapshot.caseID, on: connection)
            var hearings: [CaseRecord.HearingEntry] = []
            for try await (college, heldOn, parties, decision) in try await connection.query("""
                SELECT college, to_char(held_on, 'YYYY-MM-DD'), parties::text, decision FROM accountability.hearings
                WHERE case_id = \(snapshot.caseID) ORDER BY held_on, recorded_at
                """, logger: logger).decode((String, String, String, String).self) {
                let decoded = (try? JSONDecoder().decode([Hearing.Party].self, from: Data(parties.utf8))) ?? []
                hearings.append(.init(college: college, heldOn: heldOn, parties: decoded, decision: decision))
            }
            return CaseRecord(snapshot: snapshot, targets: targets.map { (code: $0.0, type: $0.1, role: $0.2) },
                              history: links.map { .init(link: $0.link, occurredAt: $0.occurredAt) }, hearings: hearings,
                              chainBreak: AuditChain.verify(links.map(\.link)))
        }
    }
}
