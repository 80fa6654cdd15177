import Foundation
import HotlineStorage
import Logging
import PostgresNIO

/// Messages whose fate nobody can tell: claimed, perhaps sent, never recorded, and a gateway that
/// cannot be asked (Africa's Talking), so the service never resends them by itself. An operator
/// looks at the gateway's own dashboard and decides, once per message: resend it, or give up on
/// it. Each decision is recorded in the history with the operator's name and reason. Numbers
/// never leave the database here.
package struct UnknownMessages: Sendable {
    package struct Message: Sendable {
        package var notificationID: String
        package var referenceCode: String?
        package var template: String
        package var audience: String
        package var priority: String
        package var provider: String?
        package var attempts: Int
        package var claimedAt: Date?
        package var reason: String?
        /// Still being checked with the gateway (Twilio): no decision is taken on it yet.
        package var awaitingGateway: Bool
    }

    package enum Decision: String, Sendable {
        /// Back to `queued`: sent again by the next dispatcher, as a new attempt.
        case resend
        /// To `failed`, published like any other failure.
        case abandon
    }

    private let postgres: PostgresClient
    private let log: StatusLog
    private let operatorName: String

    package init(postgres: PostgresClient, operatorName: String) {
        self.postgres = postgres
        self.operatorName = operatorName
        log = StatusLog(outbox: Outbox(schema: .notification), instance: "operator:\(operatorName)")
    }

    /// The oldest first: an acknowledgement a reporter may still be waiting for comes before today's.
    package func list(limit: Int, logger: Logger) async throws -> [Message] {
        let rows = try await postgres.query("""
            SELECT notification_id, reference_code, template, audience, priority, provider, attempts, claimed_at, reason,
                   reconcile_after IS NOT NULL
            FROM notification.notifications WHERE status = 'unknown'
            ORDER BY claimed_at NULLS FIRST, notification_id LIMIT \(limit)
            """, logger: logger)
        var messages: [Message] = []
        for try await (id, code, template, audience, priority, provider, attempts, claimedAt, reason, awaiting) in rows.decode(
            (String, String?, String, String, String, String?, Int, Date?, String?, Bool).self) {
            messages.append(Message(notificationID: id, referenceCode: code, template: template, audience: audience, priority: priority,
                                    provider: provider, attempts: attempts, claimedAt: claimedAt, reason: reason,
                                    awaitingGateway: awaiting))
        }
        return messages
    }

    /// Applies a decision to one settled `unknown` message. Returns false, changing nothing, when the
    /// message is not `unknown`, or is still being checked with the gateway.
    package func decide(_ decision: Decision, on notificationID: String, reason: String, logger: Logger) async throws -> Bool {
        let detail = "\(decision == .resend ? "resent" : "abandoned") by \(operatorName): \(reason)"
        return try await postgres.inTransaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE notification.notifications AS n
                SET status = \(decision == .resend ? "queued" : "failed"), reason = \(detail), not_before = now(), lease_until = NULL,
                    claimed_by = NULL, claim_id = NULL, updated_at = now()
                WHERE n.notification_id = \(notificationID) AND n.status = 'unknown' AND n.reconcile_after IS NULL
                RETURNING \(unescaped: NotificationRecord.columns)
                """, logger: logger)
            var decided: NotificationRecord?
            for try await row in rows { decided = try NotificationRecord(row: row) }
            guard let record = decided else { return false }
            try await log.record(record, status: record.status, reason: detail, on: connection, logger: logger)
            return true
        }
    }
}
