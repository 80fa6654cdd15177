import Foundation
import HotlineDomain
import HotlineStorage
import Logging
import PostgresNIO

/// What the consumers write: requests, opt-outs and gateway delivery reports, each in one
/// transaction with its history and status events.
struct RequestStore: Sendable {
    let postgres: PostgresClient
    let log: StatusLog
    let sendWindow: SendWindow
    let defaultLanguage: String
    private let reports = Inbox(schema: .notification, consumer: "notification.delivery-reports")
    private let commands = Inbox(schema: .notification, consumer: "notification.opt-outs")

    /// Stores a request once, however often it is delivered. Returns false for a repeat.
    @discardableResult
    func accept(_ request: NotificationRequested, eventID: String, optOutExempt: Bool = false, logger: Logger) async throws -> Bool {
        try await postgres.inTransaction(logger: logger) { connection in
            try await accept([(request, eventID)], optOutExempt: optOutExempt, on: connection, logger: logger)[0]
        }
    }

    /// Inside the caller's transaction.
    func accept(_ request: NotificationRequested, eventID: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await accept([(request, eventID)], on: connection, logger: logger)[0]
    }

    /// Many requests in three statements (rows, history, status events) inside the caller's
    /// transaction; one partition's backlog then costs three round trips, not three per request.
    /// Returns, per request, whether it was stored (false for a repeat, even within the batch).
    func accept(_ requests: [(request: NotificationRequested, eventID: String)], optOutExempt: Bool = false,
                on connection: PostgresConnection, logger: Logger) async throws -> [Bool] {
        let now = Date()
        let notBefore = requests.map {
            sendWindow.earliestSend(for: $0.request.priority, timeZone: $0.request.timeZone, activeHours: $0.request.activeHours, at: now)
        }
        let parameters = requests.map { JSONWriter.flatObject($0.request.parameters) }
        let r = requests.map(\.request)
        // Array elements cannot be NULL here; '' stands for none and NULLIF turns it back.
        let rows = try await connection.query("""
            INSERT INTO notification.notifications AS n
                (notification_id, source_event_id, case_id, reference_code, audience, template, parameters, language, priority,
                 priority_rank, recipient_pseudonym, recipient_key_id, recipient_ciphertext, time_zone, active_hours, opt_out_exempt, status, not_before)
            SELECT q.notification_id, q.source_event_id, NULLIF(q.case_id, '')::uuid, NULLIF(q.reference_code, ''), q.audience,
                   q.template, q.parameters::jsonb, q.language, q.priority, q.priority_rank, q.recipient_pseudonym, q.recipient_key_id,
                   q.recipient_ciphertext, NULLIF(q.time_zone, ''), NULLIF(q.active_hours, ''), \(optOutExempt), 'queued', q.not_before
            FROM unnest(\(r.map(\.notificationID))::text[], \(requests.map(\.eventID))::text[],
                        \(r.map { $0.caseID?.uuidString ?? "" })::text[], \(r.map { $0.referenceCode?.value ?? "" })::text[],
                        \(r.map(\.audience))::text[], \(r.map(\.template))::text[], \(parameters)::text[],
                        \(r.map { $0.language.lowercased() })::text[], \(r.map(\.priority.rawValue))::text[],
                        \(r.map { NotificationRecord.priorityRank($0.priority) })::int8[], \(r.map(\.recipient.pseudonym))::text[],
                        \(r.map(\.recipient.sealed.keyID))::text[], \(r.map(\.recipient.sealed.ciphertext))::text[],
                        \(r.map { $0.timeZone ?? "" })::text[], \(r.map { $0.activeHours ?? "" })::text[], \(notBefore)::timestamptz[])
                 WITH ORDINALITY AS q(notification_id, source_event_id, case_id, reference_code, audience, template, parameters, language,
                                     priority, priority_rank, recipient_pseudonym, recipient_key_id, recipient_ciphertext, time_zone,
                                     active_hours, not_before, position)
            ORDER BY q.position
            ON CONFLICT (notification_id) DO NOTHING
            RETURNING n.notification_id
            """, logger: logger)
        // Only the ids: the rest of each stored row is what was just sent. Returning whole records
        // (parameters split, opt-out looked up) was part of this insert's 105 µs a row at 300/s.
        var inserted = Set<String>()
        for try await id in rows.decode(String.self) { inserted.insert(id) }
        var stored: [Bool] = []
        var entries: [(record: NotificationRecord, status: String, reason: String?)] = []
        for ((request, _), notBefore) in zip(requests, notBefore) {
            // The first of two deliveries in one batch is the one stored.
            guard inserted.remove(request.notificationID) != nil else {
                stored.append(false)
                continue
            }
            stored.append(true)
            let deferred = notBefore > now.addingTimeInterval(1) ? SendWindow.deferral(until: notBefore, activeHours: request.activeHours) : nil
            entries.append((NotificationRecord(queued: request, optOutExempt: optOutExempt), "queued", deferred))
        }
        try await log.record(entries, on: connection, logger: logger)
        return stored
    }

    /// Records an opt-out and queues its single confirmation. A second STOP changes nothing.
    @discardableResult
    func optOut(_ command: CommandReceived, eventID: String, logger: Logger) async throws -> Bool {
        try await postgres.inTransaction(logger: logger) { connection in
            try await optOut(command, eventID: eventID, on: connection, logger: logger)
        }
    }

    func optOut(_ command: CommandReceived, eventID: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        guard try await commands.markProcessed(eventID: eventID, on: connection, logger: logger) else { return false }
        let rows = try await connection.query("""
            INSERT INTO notification.opt_outs (recipient_pseudonym, source) VALUES (\(command.sender.pseudonym), \("command:" + command.commandID))
            ON CONFLICT (recipient_pseudonym) DO NOTHING RETURNING 1
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { return false }
        try await confirm(command, template: "reporter.opt_out_confirmed", notificationID: "opt-out:\(command.commandID)",
                          optOutExempt: true, eventID: eventID, on: connection, logger: logger)
        return true
    }

    /// Lifts an opt-out, whether the person sent STOP or the gateway reported the number as
    /// blocking us, and queues one confirmation. START without an earlier STOP sends nothing, so a
    /// number that never opted out cannot be made to receive texts with it.
    func optIn(_ command: CommandReceived, eventID: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        guard try await commands.markProcessed(eventID: eventID, on: connection, logger: logger) else { return false }
        let rows = try await connection.query(
            "DELETE FROM notification.opt_outs WHERE recipient_pseudonym = \(command.sender.pseudonym) RETURNING 1", logger: logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        guard deleted else { return false }
        // Not exempt: after STOP, START, STOP in quick succession the START's confirmation is suppressed.
        try await confirm(command, template: "reporter.opt_in_confirmed", notificationID: "opt-in:\(command.commandID)",
                          optOutExempt: false, eventID: eventID, on: connection, logger: logger)
        return true
    }

    /// Confirms a STOP or START once, in the language the person was last written to.
    private func confirm(_ command: CommandReceived, template: String, notificationID: String, optOutExempt: Bool, eventID: String,
                         on connection: PostgresConnection, logger: Logger) async throws {
        var language = defaultLanguage
        for try await last in try await connection.query("""
            SELECT language FROM notification.notifications WHERE recipient_pseudonym = \(command.sender.pseudonym)
            ORDER BY created_at DESC LIMIT 1
            """, logger: logger).decode(String.self) {
            language = last
        }
        let confirmation = NotificationRequested(
            notificationID: notificationID, recipient: command.sender, audience: "reporter",
            template: template, parameters: [:], language: language, priority: .urgent,
            caseID: nil, referenceCode: nil)
        _ = try await accept([(confirmation, eventID)], optOutExempt: optOutExempt, on: connection, logger: logger)
    }

    /// Applies a gateway delivery report forwarded by intake, matched by provider message id.
    /// A report that arrives before the send was recorded waits in `pending_delivery_reports`.
    func applyDeliveryReport(_ report: DeliveryStatusReceived, eventID: String, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await applyDeliveryReport(report, eventID: eventID, on: connection, logger: logger)
        }
    }

    func applyDeliveryReport(_ report: DeliveryStatusReceived, eventID: String, on connection: PostgresConnection,
                             logger: Logger) async throws {
        guard try await reports.markProcessed(eventID: eventID, on: connection, logger: logger) else { return }
        let rows = try await connection.query("""
            SELECT \(unescaped: NotificationRecord.columns) FROM notification.notifications n
            WHERE n.provider = \(report.provider) AND n.provider_message_id = \(report.providerMessageID) FOR UPDATE
            """, logger: logger)
        var found: NotificationRecord?
        for try await row in rows { found = try NotificationRecord(row: row) }
        guard let record = found else {
            try await connection.query("""
                INSERT INTO notification.pending_delivery_reports
                    (event_id, provider, provider_message_id, status, provider_status, reason, received_at)
                VALUES (\(eventID), \(report.provider), \(report.providerMessageID), \(report.status), \(report.providerStatus),
                        \(Self.reason(of: report)), \(report.receivedAt))
                ON CONFLICT (event_id) DO NOTHING
                """, logger: logger)
            return
        }
        try await Self.apply(status: report.status, providerStatus: report.providerStatus, reason: Self.reason(of: report),
                             to: record, log: log, on: connection, logger: logger)
    }

    static func reason(of report: DeliveryStatusReceived) -> String? {
        [report.failureReason, report.errorCode.map { "error \($0)" }].compactMap { $0 }.first
    }

    /// Moves a notification forward on a delivery report; never backwards (a late `sent` after
    /// `delivered` only adds to the history).
    static func apply(status: String, providerStatus: String, reason: String?, to record: NotificationRecord, log: StatusLog,
                      on connection: PostgresConnection, logger: Logger) async throws {
        let rank = ["queued": 0, "sending": 0, "unknown": 0, "sent": 1, "delivered": 2, "failed": 2]
        let target = status == "delivered" || status == "failed" ? status : "sent"
        let moves = (rank[target] ?? 0) > (rank[record.status] ?? 0) || (record.status == "unknown" && target == "sent")
        let detail = "delivery report: \(providerStatus)" + (reason.map { " (\($0))" } ?? "")
        guard moves else {
            try await connection.query("""
                INSERT INTO notification.history (notification_id, status, reason, provider, provider_message_id, attempt, instance)
                VALUES (\(record.notificationID), \("report:" + status), \(detail), \(record.provider), \(record.providerMessageID),
                        \(record.attempts), \(log.instance))
                """, logger: logger)
            return
        }
        try await connection.query("""
            UPDATE notification.notifications SET status = \(target), reason = \(detail), updated_at = now(),
                lease_until = NULL, reconcile_after = NULL
            WHERE notification_id = \(record.notificationID)
            """, logger: logger)
        try await log.record(record, status: target, reason: detail, on: connection, logger: logger)
        if target == "failed" {
            NotificationMetrics.failed(provider: record.provider ?? "unknown", reason: "delivery_failed")
        }
    }
}
