import Foundation
import HotlineStorage
import Logging
import PostgresNIO

/// Claims whose result was never recorded, and their reconciliation with the gateway.
struct RecoveryStore: Sendable {
    let postgres: PostgresClient
    let log: StatusLog

    static let leaseExpiredReason = "no result recorded before the claim's lease expired (crash between claim and result); not resent"

    /// `sending` rows past their lease become `unknown`: their instance died between the claim
    /// and recording the gateway's answer, so the message may or may not have gone.
    func expireLeases(logger: Logger) async throws -> [NotificationRecord] {
        try await postgres.inTransaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE notification.notifications AS n
                SET status = 'unknown', reason = \(Self.leaseExpiredReason), lease_until = NULL, reconcile_after = now(), updated_at = now()
                WHERE n.notification_id IN (
                    SELECT notification_id FROM notification.notifications
                    WHERE status = 'sending' AND lease_until < now() FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: NotificationRecord.columns)
                """, logger: logger)
            var expired: [NotificationRecord] = []
            for try await row in rows { expired.append(try NotificationRecord(row: row)) }
            for record in expired {
                try await log.record(record, status: "unknown", reason: Self.leaseExpiredReason, on: connection, logger: logger)
            }
            return expired
        }
    }

    /// `unknown` rows due for a look at the gateway, each held for `hold` so replicas do not
    /// ask twice at once.
    func dueForReconciliation(limit: Int, hold: Duration, logger: Logger) async throws -> [NotificationRecord] {
        let seconds = Double(hold.components.seconds)
        let rows = try await postgres.query("""
            UPDATE notification.notifications AS n
            SET reconcile_after = now() + make_interval(secs => \(seconds))
            WHERE n.notification_id IN (
                SELECT notification_id FROM notification.notifications
                WHERE status = 'unknown' AND reconcile_after <= now()
                ORDER BY reconcile_after LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: NotificationRecord.columns)
            """, logger: logger)
        var due: [NotificationRecord] = []
        for try await row in rows { due.append(try NotificationRecord(row: row)) }
        return due
    }

    /// The gateway affirms it never got the message: sending it now is its first delivery.
    func requeue(_ record: NotificationRecord, reason: String, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE notification.notifications
                SET status = 'queued', not_before = now(), reason = \(reason), reconcile_after = NULL, claimed_by = NULL, updated_at = now()
                WHERE notification_id = \(record.notificationID) AND status = 'unknown'
                """, logger: logger)
            try await log.record(record, status: "queued", reason: reason, on: connection, logger: logger)
        }
    }

    /// The gateway cannot tell: the message stays `unknown` for good, and is not resent.
    func settleUnknown(_ record: NotificationRecord, reason: String, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE notification.notifications SET reconcile_after = NULL, reason = \(reason), updated_at = now()
                WHERE notification_id = \(record.notificationID) AND status = 'unknown'
                """, logger: logger)
            try await log.record(record, status: "unknown-settled", reason: reason, on: connection, logger: logger)
        }
    }

    /// Messages waiting or in flight (`hotline_notifications_pending`), and `unknown` ones the
    /// gateway cannot settle, which wait for an operator (`hotline_notifications_awaiting_decision`).
    func backlog(logger: Logger) async throws -> (pending: Int, awaitingDecision: Int) {
        let rows = try await postgres.query("""
            SELECT count(*) FILTER (WHERE status IN ('queued', 'sending')),
                   count(*) FILTER (WHERE status = 'unknown' AND reconcile_after IS NULL)
            FROM notification.notifications WHERE status IN ('queued', 'sending', 'unknown')
            """, logger: logger)
        for try await counts in rows.decode((Int, Int).self) { return counts }
        return (0, 0)
    }
}
