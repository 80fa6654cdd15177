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

    /// Marks the events in the inbox in one statement, then stores each one seen for the first
    /// time; returns, per decision, whether it made a case (false for a redelivery).
    private func store(_ decisions: [Decision], on connection: PostgresConnection) async throws -> [Bool] {
        var fresh = try await inbox.markProcessed(eventIDs: decisions.map(\.eventID), on: connection, logger: logger)
        var routed: [Bool] = []
        for decision in decisions {
            routed.append(fresh.remove(decision.eventID) != nil ? try await store(decision, on: connection) : false)
        }
        return routed
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
        let outcome = router.route(envelope.data, caseID: UUID(), routedAt: Date())
        Timer(label: "hotline_routing_decision_duration_seconds").record(duration: ContinuousClock.now - started)
        return Decision(eventID: envelope.id, report: envelope.data, outcome: outcome)
    }

    /// Stores a decision whose event the inbox has just marked; returns false for a second event
    /// for a report that already has a case.
    private func store(_ decision: Decision, on connection: PostgresConnection) async throws -> Bool {
        let (report, outcome) = (decision.report, decision.outcome)
        guard try await insertCase(outcome.routed, eventID: decision.eventID, fullText: report.text, on: connection) else { return false }
        var events = [
            try OutboxEvent.envelope(topic: Topic.casesRouted, key: outcome.routed.caseID.uuidString.lowercased(), source: Self.source,
                                     type: CaseRouted.eventType, subject: report.referenceCode.value, data: outcome.routed),
        ]
        for request in outcome.notifications {
            events.append(try .envelope(topic: Topic.notificationsRequested, key: request.notificationID, source: Self.source,
                                        type: NotificationRequested.eventType, subject: report.referenceCode.value, data: request))
        }
        try await outbox.enqueue(events, on: connection, logger: logger)
        return true
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

    /// Returns false when the report already has a case (a second event for the same report).
    private func insertCase(_ routed: CaseRouted, eventID: String, fullText: String, on connection: PostgresConnection) async throws -> Bool {
        let encoder = JSONEncoder()
        let categories = String(decoding: try encoder.encode(routed.categories), as: UTF8.self)
        let targetsJSON = String(decoding: try encoder.encode(routed.targets), as: UTF8.self)
        let lead = routed.targets.first { $0.role == .lead }?.code ?? "none"
        let rows = try await connection.query("""
            INSERT INTO routing.cases
                (case_id, report_id, reference_code, source_event_id, channel, language, received_at, routed_at, rule, target,
                 primary_category, priority, categories, place_code, place_level, place_ambiguous, targets, rule_reason, text,
                 text_restricted, reporter_pseudonym)
            VALUES (\(routed.caseID), \(routed.reportID.uuid), \(routed.referenceCode.value), \(eventID), \(routed.channel.rawValue),
                    \(routed.language), \(routed.receivedAt), \(routed.routedAt), \(routed.rule.id), \(lead),
                    \(routed.primaryCategory.rawValue), \(routed.priority.rawValue), \(categories)::jsonb, \(routed.place.code),
                    \(routed.place.level), \(routed.place.ambiguous), \(targetsJSON)::jsonb, \(routed.rule.why), \(fullText),
                    \(routed.textRestricted), \(routed.reporter?.pseudonym))
            ON CONFLICT (report_id) DO NOTHING RETURNING 1
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { return false }
        let targets = routed.targets
        try await connection.query("""
            INSERT INTO routing.case_targets (case_id, target_code, target_type, role, restricted)
            SELECT \(routed.caseID), t.code, t.type, t.role, t.restricted
            FROM unnest(\(targets.map(\.code))::text[], \(targets.map(\.type.rawValue))::text[], \(targets.map(\.role.rawValue))::text[],
                        \(targets.map(\.restricted))::boolean[]) AS t(code, type, role, restricted)
            """, logger: logger)
        return true
    }
}
