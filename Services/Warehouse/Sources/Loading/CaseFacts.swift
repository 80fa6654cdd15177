import Foundation
import HotlineDomain
import Logging
import PostgresNIO

/// Cases, their lifecycle events, ratings and perception survey answers.
///
/// What is never loaded: the reporter (pseudonym and sealed number), the text, the reference
/// code, the case and report ids (only a salted key), event ids and the audit hashes, actor ids
/// other than member ids (API key ids become `api`).
struct CaseFacts: Sendable {
    let schemas: WarehouseSchemas
    let logger: Logger

    private var w: String { schemas.warehouse.name }
    private var l: String { schemas.loader.name }

    func load(_ routed: CaseRouted, on connection: PostgresConnection) async throws {
        let key = try await caseKey(routed.caseID, on: connection)
        let dimensions = EventDimensions(schemas: schemas, logger: logger)
        let place = try await dimensions.place(routed.place, on: connection)
        try await dimensions.language(routed.language, on: connection)
        for target in routed.targets {
            try await dimensions.target(target, on: connection)
        }
        let lead = routed.targets.first { $0.role == .lead }?.code
        try await connection.query("""
            INSERT INTO \(unescaped: w).fact_case
                (case_key, place_code, place_ambiguous, category_code, priority_code, channel_code, language_code, lead_target_code,
                 received_at, routed_at, routed_hour_key)
            VALUES (\(key), \(place), \(routed.place.ambiguous), \(routed.primaryCategory.rawValue), \(routed.priority.rawValue),
                    \(routed.channel.rawValue), \(routed.language), \(lead), \(routed.receivedAt), \(routed.routedAt),
                    \(unescaped: l).hour_key(\(routed.routedAt)))
            ON CONFLICT (case_key) DO UPDATE SET
                place_code = EXCLUDED.place_code, place_ambiguous = EXCLUDED.place_ambiguous, category_code = EXCLUDED.category_code,
                priority_code = EXCLUDED.priority_code, channel_code = EXCLUDED.channel_code, language_code = EXCLUDED.language_code,
                lead_target_code = EXCLUDED.lead_target_code, received_at = EXCLUDED.received_at, routed_at = EXCLUDED.routed_at,
                routed_hour_key = EXCLUDED.routed_hour_key
            """, logger: logger)
        for target in routed.targets {
            try await connection.query("""
                INSERT INTO \(unescaped: w).fact_case_target (case_key, target_code, role, restricted)
                VALUES (\(key), \(target.code), \(target.role.rawValue), \(target.restricted))
                ON CONFLICT (case_key, target_code) DO NOTHING
                """, logger: logger)
        }
    }

    func load(_ event: CaseEventRecorded, on connection: PostgresConnection) async throws {
        let key = try await caseKey(event.caseID, on: connection)
        // One writer of a case's events at a time, so the recomputation below sees them all.
        try await connection.lock("case|" + key, logger: logger)
        let actor = Actor(event.actorID)
        try await connection.query("""
            INSERT INTO \(unescaped: w).fact_case_event
                (case_key, sequence, kind, from_state, to_state, actor_type, actor_member_id, actor_role, channel, target_code,
                 escalation_level, priority_code, category_code, place_code, rating, occurred_at, hour_key)
            VALUES (\(key), \(event.sequence), \(event.kind.rawValue), \(event.fromState?.rawValue), \(event.toState?.rawValue),
                    \(actor.type), \(actor.memberID), \(event.actorRole), \(event.channel), \(event.target), \(event.escalationLevel),
                    \(event.priority.rawValue), \(event.category.rawValue), \(event.placeCode), \(event.rating), \(event.occurredAt),
                    \(unescaped: l).hour_key(\(event.occurredAt)))
            ON CONFLICT (case_key, sequence) DO NOTHING
            """, logger: logger)
        if event.kind == .rated, let rating = event.rating, (1...5).contains(rating) {
            try await connection.query("""
                INSERT INTO \(unescaped: w).fact_rating (case_key, sequence, rating, rated_at, hour_key)
                VALUES (\(key), \(event.sequence), \(rating), \(event.occurredAt), \(unescaped: l).hour_key(\(event.occurredAt)))
                ON CONFLICT (case_key, sequence) DO NOTHING
                """, logger: logger)
        }
        try await connection.query(
            "INSERT INTO \(unescaped: w).fact_case (case_key) VALUES (\(key)) ON CONFLICT (case_key) DO NOTHING", logger: logger)
        try await refreshMilestones(key, on: connection)
    }

    func load(_ answer: SurveyAnswered, on connection: PostgresConnection) async throws {
        try await EventDimensions(schemas: schemas, logger: logger).placeCode(answer.areaCode, on: connection)
        try await connection.query("""
            INSERT INTO \(unescaped: w).fact_survey_answer (answer_key, question_id, area_code, answered_on, score)
            VALUES (\(unescaped: l).pseudokey('survey', \(answer.answerID.uuidString.lowercased())), \(answer.questionID),
                    \(answer.areaCode), \(answer.answeredOn)::date, \(answer.score))
            ON CONFLICT (answer_key) DO NOTHING
            """, logger: logger)
    }

    /// Recomputes a case's milestones from every event loaded for it, whatever their order.
    ///
    /// Acknowledged: the first transition to `acknowledged` or accepted referral. Resolved and
    /// dismissed: the first transition to that state (a reopened case keeps its first resolution;
    /// `reopen_count` says it was reopened). Rating: the latest.
    func refreshMilestones(_ key: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE \(unescaped: w).fact_case c SET
                acknowledged_at = m.acknowledged_at, resolved_at = m.resolved_at, dismissed_at = m.dismissed_at,
                current_state = m.current_state, current_owner_code = m.current_owner_code,
                escalation_count = m.escalations, deadline_breach_count = m.breaches, referral_count = m.referrals,
                reopen_count = m.reopens, rating = m.rating, rated_at = m.rated_at
            FROM (
                SELECT
                    min(occurred_at) FILTER (WHERE (kind = 'transition' AND to_state = 'acknowledged') OR kind = 'referral_accepted')
                        AS acknowledged_at,
                    min(occurred_at) FILTER (WHERE kind = 'transition' AND to_state = 'resolved') AS resolved_at,
                    min(occurred_at) FILTER (WHERE kind = 'transition' AND to_state = 'dismissed') AS dismissed_at,
                    (array_agg(to_state ORDER BY sequence DESC) FILTER (WHERE to_state IS NOT NULL))[1] AS current_state,
                    (array_agg(target_code ORDER BY sequence DESC)
                        FILTER (WHERE kind IN ('routed', 'escalated', 'referral_accepted') AND target_code IS NOT NULL))[1]
                        AS current_owner_code,
                    count(*) FILTER (WHERE kind = 'escalated') AS escalations,
                    count(*) FILTER (WHERE kind = 'deadline_breached') AS breaches,
                    count(*) FILTER (WHERE kind = 'referred') AS referrals,
                    count(*) FILTER (WHERE kind = 'transition' AND to_state = 'reopened') AS reopens,
                    (array_agg(rating ORDER BY sequence DESC) FILTER (WHERE kind = 'rated' AND rating IS NOT NULL))[1] AS rating,
                    max(occurred_at) FILTER (WHERE kind = 'rated' AND rating IS NOT NULL) AS rated_at
                FROM \(unescaped: w).fact_case_event WHERE case_key = \(key)
            ) m
            WHERE c.case_key = \(key)
            """, logger: logger)
    }

    private func caseKey(_ caseID: UUID, on connection: PostgresConnection) async throws -> String {
        try await connection.single(
            String.self, "SELECT \(unescaped: l).pseudokey('case', \(caseID.uuidString.lowercased()))", logger: logger)!
    }
}

/// Who acted, reduced to what the warehouse may keep: member ids are pseudonymous reference ids;
/// API key ids and anything else are dropped, leaving only the kind of actor.
struct Actor: Equatable {
    var type: String
    var memberID: String?

    init(_ id: String) {
        switch id {
        case "system", "reporter":
            (type, memberID) = (id, nil)
        case _ where id.hasPrefix("api:"):
            (type, memberID) = ("api", nil)
        case _ where id.wholeMatch(of: /M-[A-Z0-9]+(-[A-Z0-9]+)*/) != nil && id.count <= 40:
            (type, memberID) = ("member", id)
        default:
            (type, memberID) = ("other", nil)
        }
    }
}
