import Foundation
import HotlineDomain
import Logging
import PostgresNIO

/// The case rows and their append-only audit chain in schema `accountability`.
///
/// Every method runs on the caller's connection, inside the caller's transaction: a decision,
/// its events and the messages it causes commit together or not at all.
package struct CaseLedger: Sendable {
    package let logger: Logger

    package init(logger: Logger) { self.logger = logger }

    /// A constant column list, interpolated unescaped; every value still travels as a bind.
    private static let selectSnapshot = """
        SELECT case_id, reference_code, state, priority, category, place_code, place_lineage, owner, acting_targets,
               pending_referral, state_before_referral, escalation_level, restricted_target, acknowledge_due_at,
               resolve_due_at, reporter_language, reporter_pseudonym IS NOT NULL, rating
        FROM accountability.cases
        """

    /// Creates the cases from `hotline.cases.routed` that do not exist yet: a row each, then the
    /// targets of every case opened in one statement. Nil for a case that already existed.
    package func open(_ cases: [CaseRouted], deadlines: DeadlinePolicy, at now: Date, on connection: PostgresConnection) async throws
        -> [CaseSnapshot?] {
        var snapshots: [CaseSnapshot?] = []
        for routed in cases { snapshots.append(try await insertCase(routed, deadlines: deadlines, at: now, on: connection)) }
        let targets = zip(cases, snapshots).flatMap { routed, snapshot in
            snapshot == nil ? [] : routed.targets.map { (caseID: routed.caseID, target: $0) }
        }
        guard !targets.isEmpty else { return snapshots }
        try await connection.query("""
            INSERT INTO accountability.case_targets (case_id, target_code, target_type, role, restricted)
            SELECT * FROM unnest(\(targets.map(\.caseID))::uuid[], \(targets.map(\.target.code))::text[],
                                 \(targets.map(\.target.type.rawValue))::text[], \(targets.map(\.target.role.rawValue))::text[],
                                 \(targets.map(\.target.restricted))::boolean[])
            ON CONFLICT DO NOTHING
            """, logger: logger)
        return snapshots
    }

    /// The case's own row; nil when it already exists.
    private func insertCase(_ routed: CaseRouted, deadlines: DeadlinePolicy, at now: Date, on connection: PostgresConnection) async throws -> CaseSnapshot? {
        let lead = routed.targets.first { $0.role == .lead }?.code ?? "NAT-TRIAGE"
        let leads = routed.targets.filter { $0.role == .lead }.map(\.code)
        let restricted = routed.targets.first { $0.restricted }?.code
        let start = routed.routedAt
        let snapshot = CaseSnapshot(
            caseID: routed.caseID, referenceCode: routed.referenceCode, state: .routed, priority: routed.priority,
            category: routed.primaryCategory, placeCode: routed.place.code, placeLineage: routed.place.lineage, owner: lead,
            actingTargets: Set(leads.isEmpty ? [lead] : leads), pendingReferral: nil, stateBeforeReferral: nil, escalationLevel: 0,
            restrictedTarget: routed.textRestricted ? restricted : nil,
            acknowledgeDueAt: deadlines.acknowledgeDeadline(routed.priority, for: lead, from: start),
            resolveDueAt: deadlines.resolveDeadline(routed.priority, from: start), reporterLanguage: routed.language,
            hasReporter: routed.reporter != nil, rating: nil)
        let rows = try await connection.query("""
            INSERT INTO accountability.cases
                (case_id, reference_code, state, priority, category, place_code, place_lineage, owner, acting_targets,
                 restricted_target, acknowledge_due_at, resolve_due_at, reporter_pseudonym, reporter_key_id, reporter_ciphertext,
                 reporter_language, channel, routed_at, updated_at)
            VALUES (\(snapshot.caseID), \(snapshot.referenceCode.value), \(snapshot.state.rawValue), \(snapshot.priority.rawValue),
                    \(snapshot.category.rawValue), \(snapshot.placeCode), \(snapshot.placeLineage), \(snapshot.owner),
                    \(snapshot.actingTargets.sorted()), \(snapshot.restrictedTarget), \(snapshot.acknowledgeDueAt), \(snapshot.resolveDueAt),
                    \(routed.reporter?.pseudonym), \(routed.reporter?.sealed.keyID), \(routed.reporter?.sealed.ciphertext),
                    \(routed.language), \(routed.channel.rawValue), \(routed.routedAt), \(now))
            ON CONFLICT (case_id) DO NOTHING RETURNING 1
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        return inserted ? snapshot : nil
    }

    /// Locks the case for one decision; nil when no case has that code.
    package func lock(code: ReferenceCode, on connection: PostgresConnection) async throws -> CaseSnapshot? {
        try await first("\(unescaped: Self.selectSnapshot) WHERE reference_code = \(code.value) FOR UPDATE", on: connection)
    }

    /// Reads without locking, for records and listings.
    package func find(code: ReferenceCode, on connection: PostgresConnection) async throws -> CaseSnapshot? {
        try await first("\(unescaped: Self.selectSnapshot) WHERE reference_code = \(code.value)", on: connection)
    }

    package func lock(caseID: UUID, on connection: PostgresConnection) async throws -> CaseSnapshot? {
        try await first("\(unescaped: Self.selectSnapshot) WHERE case_id = \(caseID) FOR UPDATE", on: connection)
    }

    /// Locks up to `limit` cases whose running deadline has passed, skipping those another replica holds.
    package func lockOverdue(at now: Date, limit: Int, on connection: PostgresConnection) async throws -> [CaseSnapshot] {
        try await all("""
            \(unescaped: Self.selectSnapshot)
             WHERE (state IN ('routed', 'referred', 'reopened') AND acknowledge_due_at <= \(now))
                OR (state IN ('acknowledged', 'in_progress') AND resolve_due_at <= \(now))
             ORDER BY LEAST(acknowledge_due_at, resolve_due_at) LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, on: connection)
    }

    /// The reporter's sealed number, for a reply; nil once retention destroyed it.
    package func reporter(of caseID: UUID, on connection: PostgresConnection) async throws -> ProtectedPhone? {
        let rows = try await connection.query("""
            SELECT reporter_pseudonym, reporter_key_id, reporter_ciphertext FROM accountability.cases WHERE case_id = \(caseID)
            """, logger: logger)
        for try await (pseudonym, keyID, ciphertext) in rows.decode((String?, String?, String?).self) {
            guard let pseudonym, let keyID, let ciphertext else { return nil }
            return ProtectedPhone(pseudonym: pseudonym, sealed: SealedPhone(keyID: keyID, ciphertext: ciphertext))
        }
        return nil
    }

    /// Saves the decision's snapshot and appends its events to the chain; returns them as published.
    package func record(_ decision: CaseDecision, by actor: CaseActor, at now: Date,
                        on connection: PostgresConnection) async throws -> [CaseEventRecorded] {
        let next = decision.snapshot
        let closing = next.state.isTerminal
        try await connection.query("""
            UPDATE accountability.cases SET
                state = \(next.state.rawValue), owner = \(next.owner), acting_targets = \(next.actingTargets.sorted()),
                pending_referral = \(next.pendingReferral), state_before_referral = \(next.stateBeforeReferral?.rawValue),
                escalation_level = \(next.escalationLevel), acknowledge_due_at = \(next.acknowledgeDueAt),
                resolve_due_at = \(next.resolveDueAt), rating = \(next.rating), updated_at = \(now),
                closed_at = CASE WHEN \(closing) THEN coalesce(closed_at, \(now)) ELSE NULL END
            WHERE case_id = \(next.caseID)
            """, logger: logger)
        return try await append(decision.events, to: next, by: actor, at: now, on: connection)
    }

    /// Appends events to the case's chain, each hashed over the previous link.
    package func append(_ events: [PendingCaseEvent], to snapshot: CaseSnapshot, by actor: CaseActor, at now: Date,
                        on connection: PostgresConnection) async throws -> [CaseEventRecorded] {
        var start = (sequence: 0, hash: AuditChain.genesis)
        let rows = try await connection.query("""
            SELECT sequence, hash FROM accountability.case_events WHERE case_id = \(snapshot.caseID) ORDER BY sequence DESC LIMIT 1
            """, logger: logger)
        for try await (last, hash) in rows.decode((Int, String).self) { start = (last, hash) }
        let chain = Self.chain(events, to: snapshot, by: actor, at: now, after: start)
        try await insert(chain.stored, on: connection)
        return chain.recorded
    }

    /// The first events of cases opened in this transaction: their chains start at genesis, so
    /// nothing is read, and all of them are written in one statement.
    package func appendFirst(_ batch: [(events: [PendingCaseEvent], snapshot: CaseSnapshot, at: Date)], by actor: CaseActor,
                             on connection: PostgresConnection) async throws -> [[CaseEventRecorded]] {
        let chains = batch.map { Self.chain($0.events, to: $0.snapshot, by: actor, at: $0.at, after: (0, AuditChain.genesis)) }
        try await insert(chains.flatMap(\.stored), on: connection)
        return chains.map(\.recorded)
    }

    /// A link and its event's id as one flat row of `accountability.case_events`, the way
    /// `jsonb_to_recordset` reads it (snake_case keys; an absent key is NULL).
    private struct StoredLink: Encodable {
        let eventID: UUID
        let link: AuditLink

        private enum Key: String, CodingKey { case eventID }

        func encode(to encoder: any Encoder) throws {
            try link.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(eventID, forKey: .eventID)
        }
    }

    /// Links `events` to the chain after `start`, hashing each over the one before.
    private static func chain(_ events: [PendingCaseEvent], to snapshot: CaseSnapshot, by actor: CaseActor, at now: Date,
                              after start: (sequence: Int, hash: String)) -> (stored: [StoredLink], recorded: [CaseEventRecorded]) {
        var (sequence, previous) = start
        var stored: [StoredLink] = []
        var recorded: [CaseEventRecorded] = []
        let milliseconds = AuditChain.milliseconds(now)
        for event in events {
            sequence += 1
            var link = AuditLink(
                caseID: snapshot.caseID, sequence: sequence, kind: event.kind.rawValue, fromState: event.fromState?.rawValue,
                toState: event.toState?.rawValue, actorID: actor.id, actorRole: actor.role, channel: actor.channel.rawValue,
                target: event.target, detail: event.detail, rating: event.rating, occurredAtMilliseconds: milliseconds,
                previousHash: previous, hash: "")
            link.hash = link.expectedHash
            let eventID = UUID.random()
            stored.append(StoredLink(eventID: eventID, link: link))
            previous = link.hash
            recorded.append(CaseEventRecorded(
                eventID: eventID, caseID: snapshot.caseID, referenceCode: snapshot.referenceCode, sequence: sequence, kind: event.kind,
                fromState: event.fromState, toState: event.toState, actorID: actor.id, actorRole: actor.role, channel: actor.channel.rawValue,
                target: event.target, escalationLevel: snapshot.escalationLevel, priority: snapshot.priority, category: snapshot.category,
                placeCode: snapshot.placeCode, rating: event.rating, occurredAt: now, hash: link.hash))
        }
        return (stored, recorded)
    }

    /// Writes links in one statement; `occurred_at` is the hashed millisecond count as a timestamp.
    private func insert(_ links: [StoredLink], on connection: PostgresConnection) async throws {
        guard !links.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = String(decoding: try encoder.encode(links), as: UTF8.self)
        try await connection.query("""
            INSERT INTO accountability.case_events
                (event_id, case_id, sequence, kind, from_state, to_state, actor_id, actor_role, channel, target, detail, rating,
                 occurred_at, occurred_at_ms, previous_hash, hash)
            SELECT e.event_id, e.case_id, e.sequence, e.kind, e.from_state, e.to_state, e.actor_id, e.actor_role, e.channel, e.target,
                   e.detail, e.rating, to_timestamp(e.occurred_at_milliseconds / 1000.0), e.occurred_at_milliseconds, e.previous_hash, e.hash
            FROM jsonb_to_recordset(\(json)::jsonb) AS e(
                event_id uuid, case_id uuid, sequence integer, kind text, from_state text, to_state text, actor_id text, actor_role text,
                channel text, target text, detail text, rating integer, occurred_at_milliseconds bigint, previous_hash text, hash text)
            ORDER BY e.case_id, e.sequence
            """, logger: logger)
    }

    /// The case's chain in order, for records and verification.
    package func links(of caseID: UUID, on connection: PostgresConnection) async throws -> [(link: AuditLink, occurredAt: Date)] {
        let rows = try await connection.query("""
            SELECT case_id, sequence, kind, from_state, to_state, actor_id, actor_role, channel, target, detail, rating,
                   occurred_at_ms, previous_hash, hash, occurred_at
            FROM accountability.case_events WHERE case_id = \(caseID) ORDER BY sequence
            """, logger: logger)
        var links: [(AuditLink, Date)] = []
        for try await row in rows.decode((UUID, Int, String, String?, String?, String, String, String, String?, String?, Int?, Int64, String, String, Date).self) {
            links.append((AuditLink(
                caseID: row.0, sequence: row.1, kind: row.2, fromState: row.3, toState: row.4, actorID: row.5, actorRole: row.6,
                channel: row.7, target: row.8, detail: row.9, rating: row.10, occurredAtMilliseconds: row.11, previousHash: row.12,
                hash: row.13), row.14))
        }
        return links
    }

    private func first(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> CaseSnapshot? {
        try await all(query, on: connection).first
    }

    private func all(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [CaseSnapshot] {
        let rows = try await connection.query(query, logger: logger)
        var snapshots: [CaseSnapshot] = []
        for try await row in rows.decode((UUID, String, String, String, String, String?, [String], String, [String], String?, String?, Int,
                                          String?, Date, Date, String, Bool, Int?).self) {
            guard let code = ReferenceCode(parsing: row.1), let state = CaseState(rawValue: row.2),
                  let priority = CasePriority(rawValue: row.3), let category = IncidentCategory(rawValue: row.4) else {
                throw PostgresDecodingFailure(caseID: row.0)
            }
            snapshots.append(CaseSnapshot(
                caseID: row.0, referenceCode: code, state: state, priority: priority, category: category, placeCode: row.5,
                placeLineage: row.6, owner: row.7, actingTargets: Set(row.8), pendingReferral: row.9,
                stateBeforeReferral: row.10.flatMap(CaseState.init(rawValue:)), escalationLevel: row.11, restrictedTarget: row.12,
                acknowledgeDueAt: row.13, resolveDueAt: row.14, reporterLanguage: row.15, hasReporter: row.16, rating: row.17))
        }
        return snapshots
    }
}

struct PostgresDecodingFailure: Error, CustomStringConvertible {
    var caseID: UUID
    var description: String { "case \(caseID.uuidString.lowercased()) holds a value this version does not know" }
}
