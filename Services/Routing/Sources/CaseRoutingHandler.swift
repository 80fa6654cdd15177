import Foundation
import HotlineDomain
import HotlineKafka
import HotlineStorage
import Logging
import Metrics
import PostgresNIO

/// Routes each received report exactly once, however often Kafka delivers it.
///
/// The case, its targets, the `hotline.cases.routed` event and every notification request are
/// written in one transaction with the inbox mark, so a redelivery finds the work done and a
/// crash mid-way leaves nothing half-routed.
struct CaseRoutingHandler: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let references: ReferenceCache
    let logger: Logger
    private let inbox = Inbox(schema: .routing, consumer: "routing.reports-received")
    static let source = "/hotline/routing"

    /// A report decided, ready to be stored.
    struct Decision: Sendable {
        let eventID: String
        let report: ReportReceived
        let outcome: ReportRouter.Outcome
    }

    func handle(_ message: KafkaConsumerMessage) async throws {
        let decision = try await decide(message)
        let routed = try await postgres.inTransaction(logger: logger) { connection in
            try await store([decision], on: connection)[0]
        }
        log(decision, routed: routed)
    }

    /// One partition's reports in one transaction: one commit instead of one per report.
    func handle(lane messages: [KafkaConsumerMessage]) async throws {
        var decisions: [Decision] = []
        for message in messages { decisions.append(try await decide(message)) }
        let routed = try await postgres.inTransaction(logger: logger) { connection in
            try await store(decisions, on: connection)
        }
        for (decision, routed) in zip(decisions, routed) { log(decision, routed: routed) }
    }

    /// Marks the events in the inbox, then stores the cases of those seen for the first time:
    /// three statements for the whole lane (cases, their targets, their outbox events) instead of
    /// three per report. Returns, per decision, whether it made a case (false for a redelivery, or
    /// a second event for a report that already has a case).
    private func store(_ decisions: [Decision], on connection: PostgresConnection) async throws -> [Bool] {
        let fresh = try await inbox.markProcessed(eventIDs: decisions.map(\.eventID), on: connection, logger: logger)
        // The first event for a report wins within the lane, as it would one transaction at a time.
        var reportsSeen = Set<UUID>()
        let candidates = decisions.indices.filter {
            fresh.contains(decisions[$0].eventID) && reportsSeen.insert(decisions[$0].outcome.routed.reportID.uuid).inserted
        }
        let inserted = try await insertCases(candidates.map { decisions[$0] }, on: connection)
        let routed = candidates.filter { inserted.contains(decisions[$0].outcome.routed.caseID) }
        try await insertTargets(of: routed.map { decisions[$0].outcome.routed }, on: connection)
        try await outbox.enqueue(try routed.flatMap { try events(of: decisions[$0]) }, on: connection, logger: logger)
        let routedIndices = Set(routed)
        return decisions.indices.map { routedIndices.contains($0) }
    }

    /// The routed event and every notification request of one decision.
    private func events(of decision: Decision) throws -> [OutboxEvent] {
        let (report, outcome) = (decision.report, decision.outcome)
        var events = [
            try OutboxEvent.envelope(topic: Topic.casesRouted, key: outcome.routed.caseID.uuidString.lowercased(), source: Self.source,
                                     type: CaseRouted.eventType, subject: report.referenceCode.value, data: outcome.routed),
        ]
        for request in outcome.notifications {
            events.append(try .envelope(topic: Topic.notificationsRequested, key: request.notificationID, source: Self.source,
                                        type: NotificationRequested.eventType, subject: report.referenceCode.value, data: request))
        }
        return events
    }

    private func decide(_ message: KafkaConsumerMessage) async throws -> Decision {
        let envelope: EventEnvelope<ReportReceived>
        do {
            envelope = try EventCoding.decode(ReportReceived.self, from: message.value)
        } catch {
            throw PermanentHandlerError("undecodable \(Topic.reportsReceived) record: \(error)")
        }
        guard envelope.type == ReportReceived.eventType else {
            throw PermanentHandlerError("unsupported event type \(envelope.type)")
        }
        let router = try await references.router(logger: logger)
        let started = ContinuousClock.now
        let outcome = router.route(envelope.data, caseID: UUID.random(), routedAt: Date())
        Timer(label: "hotline_routing_decision_duration_seconds").record(duration: ContinuousClock.now - started)
        return Decision(eventID: envelope.id, report: envelope.data, outcome: outcome)
    }

    private func log(_ decision: Decision, routed: Bool) {
        let outcome = decision.outcome
        var metadata: Logger.Metadata = ["event_id": "\(decision.eventID)", "reference_code": "\(decision.report.referenceCode)"]
        guard routed else {
            logger.info("duplicate delivery ignored", metadata: metadata)
            return
        }
        metadata["category"] = "\(outcome.routed.primaryCategory.rawValue)"
        metadata["priority"] = "\(outcome.routed.priority.rawValue)"
        metadata["place"] = "\(outcome.routed.place.code ?? "unknown")"
        metadata["rule"] = "\(outcome.routed.rule.id)"
        logger.info("case routed", metadata: metadata)
        Counter(label: "hotline_cases_routed_total", dimensions: [
            ("category", outcome.routed.primaryCategory.rawValue), ("priority", outcome.routed.priority.rawValue),
        ]).increment()
    }

    /// Inserts the cases of reports that have none yet; returns the ids of the cases inserted.
    private func insertCases(_ decisions: [Decision], on connection: PostgresConnection) async throws -> Set<UUID> {
        guard !decisions.isEmpty else { return [] }
        let encoder = JSONEncoder()
        let cases = decisions.map(\.outcome.routed)
        let categories = try cases.map { String(decoding: try encoder.encode($0.categories), as: UTF8.self) }
        let targets = try cases.map { String(decoding: try encoder.encode($0.targets), as: UTF8.self) }
        let leads = cases.map { routed in routed.targets.first { $0.role == .lead }?.code ?? "none" }
        // Arrays cannot carry NULL elements through these binds: '' and 'none' stand for absent
        // place fields and pseudonyms, and become NULL again in the statement.
        let rows = try await connection.query("""
            INSERT INTO routing.cases
                (case_id, report_id, reference_code, source_event_id, channel, language, received_at, routed_at, rule, target,
                 primary_category, priority, categories, place_code, place_level, place_ambiguous, targets, rule_reason, text,
                 text_restricted, reporter_pseudonym)
            SELECT c.case_id, c.report_id, c.reference_code, c.source_event_id, c.channel, c.language, c.received_at, c.routed_at,
                   c.rule, c.target, c.primary_category, c.priority, c.categories::jsonb, NULLIF(c.place_code, ''),
                   NULLIF(c.place_level, ''), c.place_ambiguous, c.targets::jsonb, c.rule_reason, c.text, c.text_restricted,
                   NULLIF(c.reporter_pseudonym, '')
            FROM unnest(\(cases.map(\.caseID))::uuid[], \(cases.map(\.reportID.uuid))::uuid[], \(cases.map(\.referenceCode.value))::text[],
                        \(decisions.map(\.eventID))::text[], \(cases.map(\.channel.rawValue))::text[], \(cases.map(\.language))::text[],
                        \(cases.map(\.receivedAt))::timestamptz[], \(cases.map(\.routedAt))::timestamptz[], \(cases.map(\.rule.id))::text[],
                        \(leads)::text[], \(cases.map(\.primaryCategory.rawValue))::text[], \(cases.map(\.priority.rawValue))::text[],
                        \(categories)::text[], \(cases.map { $0.place.code ?? "" })::text[], \(cases.map { $0.place.level ?? "" })::text[],
                        \(cases.map(\.place.ambiguous))::boolean[], \(targets)::text[], \(cases.map(\.rule.why))::text[],
                        \(decisions.map(\.report.text))::text[], \(cases.map(\.textRestricted))::boolean[],
                        \(cases.map { $0.reporter?.pseudonym ?? "" })::text[])
                 AS c(case_id, report_id, reference_code, source_event_id, channel, language, received_at, routed_at, rule, target,
                      primary_category, priority, categories, place_code, place_level, place_ambiguous, targets, rule_reason, text,
                      text_restricted, reporter_pseudonym)
            ON CONFLICT (report_id) DO NOTHING
            RETURNING case_id
            """, logger: logger)
        var inserted = Set<UUID>()
        for try await caseID in rows.decode(UUID.self) { inserted.insert(caseID) }
        return inserted
    }

    private func insertTargets(of cases: [CaseRouted], on connection: PostgresConnection) async throws {
        let rows = cases.flatMap { routed in routed.targets.map { (routed.caseID, $0) } }
        guard !rows.isEmpty else { return }
        try await connection.query("""
            INSERT INTO routing.case_targets (case_id, target_code, target_type, role, restricted)
            SELECT * FROM unnest(\(rows.map(\.0))::uuid[], \(rows.map(\.1.code))::text[], \(rows.map(\.1.type.rawValue))::text[],
                                 \(rows.map(\.1.role.rawValue))::text[], \(rows.map(\.1.restricted))::boolean[])
            """, logger: logger)
    }
}
