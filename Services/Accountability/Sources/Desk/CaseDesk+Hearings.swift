import Foundation
import HotlineDomain
import PostgresNIO

/// A traditional-justice college hearing: who took part (by pseudonym or role), when, what was
/// decided and whether each party accepted it. Its summary is a link of the audit chain.
package struct Hearing: Codable, Sendable, Equatable {
    package struct Party: Codable, Sendable, Equatable {
        /// A pseudonym or a role ("plaintiff", "police post of Gao"), never a name or number.
        package var party: String
        package var accepted: Bool
    }

    package var college: String
    /// `yyyy-MM-dd`.
    package var heldOn: String
    package var parties: [Party]
    package var decision: String

    /// What the chain hashes: stable field order, so a verifier can recompute it.
    var auditSummary: String {
        let parties = parties.map { "\($0.party)=\($0.accepted ? "accepted" : "refused")" }.joined(separator: ", ")
        return "hearing of \(college) on \(heldOn); parties: \(parties); decision: \(decision)"
    }
}

extension CaseDesk {
    package enum HearingOutcome: Sendable {
        case recorded(CaseEventRecorded)
        case unknownCase
        case refused(String)
    }

    package func recordHearing(_ hearing: Hearing, on code: ReferenceCode, by actor: CaseActor,
                               authorize: @Sendable (CaseSnapshot) throws -> Void = { _ in }) async throws -> HearingOutcome {
        let directory = try await directory.directory(logger: logger)
        guard directory.targets[hearing.college]?.type == .college else {
            return .refused("\(hearing.college) is not a traditional-justice college")
        }
        guard !hearing.parties.isEmpty, !hearing.decision.isEmpty, Self.isDay(hearing.heldOn) else {
            return .refused("a hearing needs parties, a decision and a date (yyyy-MM-dd)")
        }
        let now = clock.now()
        return try await postgres.inTransaction(logger: logger) { connection -> HearingOutcome in
            guard let snapshot = try await ledger.lock(code: code, on: connection) else { return .unknownCase }
            try authorize(snapshot)
            let parties = String(decoding: try JSONEncoder().encode(hearing.parties), as: UTF8.self)
            try await connection.query("""
                INSERT INTO accountability.hearings (hearing_id, case_id, college, held_on, parties, decision, recorded_by, recorded_at)
                VALUES (\(UUID.random()), \(snapshot.caseID), \(hearing.college), \(hearing.heldOn)::date, \(parties)::jsonb, \(hearing.decision),
                        \(actor.id), \(now))
                """, logger: logger)
            let events = try await ledger.append([PendingCaseEvent(kind: .hearing, target: hearing.college, detail: hearing.auditSummary)],
                                                 to: snapshot, by: actor, at: now, on: connection)
            try await publish(events, notifications: [], on: connection)
            return .recorded(events[0])
        }
    }

    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
            && (1...12).contains(Int(parts[1]) ?? 0) && (1...31).contains(Int(parts[2]) ?? 0)
    }
}
