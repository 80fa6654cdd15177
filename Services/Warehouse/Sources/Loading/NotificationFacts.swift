import HotlineDomain
import Logging
import PostgresNIO

/// Notifications: one row per notification with its outcome and segment count (SMS cost), and
/// one row per status change, from the notification service or a gateway's delivery report.
///
/// Delivery reports carry only the provider's message id. The loader keeps the mapping from
/// provider message id to notification key in its private schema (a provider message id could be
/// matched with the gateway's own records, which hold the number) and attaches a report as soon
/// as both sides are there, in whichever order they come.
///
/// Two transaction-scoped advisory locks, always taken in this order, keep concurrent loads
/// (partitions read in parallel, or two replicas during a rebalance) from missing each other:
/// the provider message id's (a report and the status naming its message), then the
/// notification's (every writer of its status rows, so each recomputation sees all of them).
struct NotificationFacts: Sendable {
    let schemas: WarehouseSchemas
    let logger: Logger

    private var w: String { schemas.warehouse.name }
    private var l: String { schemas.loader.name }

    func load(_ status: NotificationStatusChanged, eventID: String, on connection: PostgresConnection) async throws {
        let key = try await connection.single(
            String.self, "SELECT \(unescaped: l).pseudokey('notification', \(status.notificationID))", logger: logger)!
        let caseKey: String? = if let caseID = status.caseID {
            try await connection.single(
                String.self, "SELECT \(unescaped: l).pseudokey('case', \(caseID.uuidString.lowercased()))", logger: logger)
        } else {
            nil
        }
        if let provider = status.provider, let messageID = status.providerMessageID {
            try await lock(provider, messageID, on: connection)
        }
        try await connection.lock("notification|" + key, logger: logger)
        try await EventDimensions(schemas: schemas, logger: logger).language(status.language, on: connection)
        try await connection.query("""
            INSERT INTO \(unescaped: w).fact_notification (notification_key, case_key, template, audience, language_code, priority)
            VALUES (\(key), \(caseKey), \(status.template), \(status.audience), \(status.language), \(status.priority.rawValue))
            ON CONFLICT (notification_key) DO NOTHING
            """, logger: logger)
        try await connection.query("""
            INSERT INTO \(unescaped: w).fact_notification_status
                (status_key, notification_key, source, status, provider, attempt, encoding, segments, at, hour_key)
            VALUES (\(unescaped: l).pseudokey('event', \(eventID)), \(key), 'service', \(status.status.rawValue), \(status.provider),
                    \(status.attempt), \(status.encoding), \(status.segments), \(status.at), \(unescaped: l).hour_key(\(status.at)))
            ON CONFLICT (status_key) DO NOTHING
            """, logger: logger)
        if let provider = status.provider, let messageID = status.providerMessageID {
            try await connection.query("""
                INSERT INTO \(unescaped: l).provider_messages (provider, provider_message_id, notification_key)
                VALUES (\(provider), \(messageID), \(key)) ON CONFLICT DO NOTHING
                """, logger: logger)
            try await attachReports(provider, messageID, on: connection)
        }
        try await refresh(key, on: connection)
    }

    func load(_ report: DeliveryStatusReceived, eventID: String, on connection: PostgresConnection) async throws {
        try await lock(report.provider, report.providerMessageID, on: connection)
        try await connection.query("""
            INSERT INTO \(unescaped: l).delivery_reports (status_key, provider, provider_message_id, status, received_at)
            VALUES (\(unescaped: l).pseudokey('event', \(eventID)), \(report.provider), \(report.providerMessageID), \(report.status),
                    \(report.receivedAt))
            ON CONFLICT (status_key) DO NOTHING
            """, logger: logger)
        if let key = try await attachReports(report.provider, report.providerMessageID, on: connection) {
            try await refresh(key, on: connection)
        }
    }

    private func lock(_ provider: String, _ messageID: String, on connection: PostgresConnection) async throws {
        try await connection.lock("provider-message|" + provider + "|" + messageID, logger: logger)
    }

    /// Copies the delivery reports of a provider message into the facts once its notification is known.
    @discardableResult
    private func attachReports(_ provider: String, _ messageID: String, on connection: PostgresConnection) async throws -> String? {
        guard let key = try await connection.single(String.self, """
            SELECT notification_key FROM \(unescaped: l).provider_messages
            WHERE provider = \(provider) AND provider_message_id = \(messageID)
            """, logger: logger) else { return nil }
        try await connection.lock("notification|" + key, logger: logger)
        try await connection.query("""
            INSERT INTO \(unescaped: w).fact_notification_status (status_key, notification_key, source, status, provider, at, hour_key)
            SELECT d.status_key, \(key), 'gateway', d.status, d.provider, d.received_at, \(unescaped: l).hour_key(d.received_at)
            FROM \(unescaped: l).delivery_reports d
            WHERE d.provider = \(provider) AND d.provider_message_id = \(messageID)
            ON CONFLICT (status_key) DO NOTHING
            """, logger: logger)
        return key
    }

    /// Recomputes a notification's outcome from all its status rows. The status is the most
    /// final one seen (delivered, then failed, then sent or suppressed, then unknown, then queued),
    /// whatever order the events came in; the segment count is the largest the service reported.
    private func refresh(_ key: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE \(unescaped: w).fact_notification n SET
                status = m.status, attempts = m.attempts, provider = m.provider, encoding = m.encoding, segments = m.segments,
                queued_at = m.queued_at, first_hour_key = \(unescaped: l).hour_key(m.queued_at), sent_at = m.sent_at,
                delivered_at = m.delivered_at, failed_at = m.failed_at, last_status_at = m.last_status_at,
                delivery_reports = m.delivery_reports
            FROM (
                SELECT
                    (array_agg(status ORDER BY CASE status WHEN 'delivered' THEN 5 WHEN 'failed' THEN 4 WHEN 'sent' THEN 3
                        WHEN 'suppressed' THEN 3 WHEN 'unknown' THEN 1 ELSE 0 END DESC, at DESC))[1] AS status,
                    coalesce(max(attempt), 0) AS attempts,
                    (array_agg(provider ORDER BY at DESC) FILTER (WHERE provider IS NOT NULL))[1] AS provider,
                    (array_agg(encoding ORDER BY at DESC) FILTER (WHERE encoding IS NOT NULL))[1] AS encoding,
                    max(segments) AS segments,
                    min(at) AS queued_at,
                    min(at) FILTER (WHERE status = 'sent') AS sent_at,
                    min(at) FILTER (WHERE status = 'delivered') AS delivered_at,
                    min(at) FILTER (WHERE status = 'failed') AS failed_at,
                    max(at) AS last_status_at,
                    count(*) FILTER (WHERE source = 'gateway') AS delivery_reports
                FROM \(unescaped: w).fact_notification_status WHERE notification_key = \(key)
            ) m
            WHERE n.notification_key = \(key)
            """, logger: logger)
    }
}
