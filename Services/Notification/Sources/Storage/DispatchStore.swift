import Foundation
import HotlineDomain
import HotlineStorage
import Logging
import PostgresNIO

/// The dispatcher's side of the table: claim before sending, record after, and recover claims
/// whose result was never recorded. Every step is one committed transaction.
struct DispatchStore: Sendable {
    let postgres: PostgresClient
    let log: StatusLog

    enum Claim: Sendable {
        /// Claimed (`sending`, lease running): call the provider now.
        case send(NotificationRecord)
        /// The recipient opted out: recorded as `suppressed`, nothing to send.
        case suppressed(NotificationRecord)
    }

    /// Is anything due? A cheap look before taking a rate-limit token.
    func hasDue(logger: Logger) async throws -> Bool {
        let rows = try await postgres.query("""
            SELECT EXISTS (SELECT 1 FROM notification.notifications WHERE status = 'queued' AND not_before <= now())
            """, logger: logger)
        for try await due in rows.decode(Bool.self) { return due }
        return false
    }

    /// Claims up to `limit` of the most urgent, oldest due messages, marking them `sending` and
    /// committing before the provider is called: whatever happens next, these rows cannot be
    /// claimed again until their lease expires, and then they become `unknown`, never `queued`.
    /// `claimID` marks the rows taken, so that ``putBackUnsent(claimID:logger:)`` can find them if
    /// this call fails after its COMMIT reached the server.
    func claim(limit: Int, claimID: UUID, provider: String, sender: String, lease: Duration, logger: Logger) async throws -> [Claim] {
        let leaseSeconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        return try await postgres.inTransaction(logger: logger) { connection -> [Claim] in
            try await QueueScan.preferOrderedIndex(on: connection, logger: logger)
            let rows = try await connection.query(Self.claimQuery(limit: limit, claimID: claimID, instance: log.instance,
                                                                  leaseSeconds: leaseSeconds, provider: provider, sender: sender),
                                                  logger: logger)
            var claimed: [NotificationRecord] = []
            for try await row in rows { claimed.append(try NotificationRecord(row: row)) }
            var claims: [Claim] = []
            var entries: [(record: NotificationRecord, status: String, reason: String?)] = []
            // Most urgent first; the batch is sent side by side, so this only orders the history.
            let ranked = claimed.sorted { NotificationRecord.priorityRank($0.priority) > NotificationRecord.priorityRank($1.priority) }
            for var record in ranked {
                if record.optedOut && !record.optOutExempt {
                    try await connection.query("""
                        UPDATE notification.notifications SET status = 'suppressed', reason = 'recipient opted out', lease_until = NULL,
                            updated_at = now()
                        WHERE notification_id = \(record.notificationID)
                        """, logger: logger)
                    record.status = "suppressed"
                    entries.append((record, "suppressed", "recipient opted out"))
                    claims.append(.suppressed(record))
                } else {
                    entries.append((record, "sending", "claimed"))
                    claims.append(.send(record))
                }
            }
            try await log.record(entries, on: connection, logger: logger)
            return claims
        }
    }

    /// The most urgent, oldest due messages, locked and marked `sending` in one statement; read on
    /// the `notifications_due` index in its order (``QueueScan``).
    static func claimQuery(limit: Int, claimID: UUID, instance: String, leaseSeconds: Double, provider: String,
                           sender: String) -> PostgresQuery {
        """
        UPDATE notification.notifications AS n
        SET status = 'sending', attempts = n.attempts + 1, claimed_by = \(instance), claimed_at = now(), claim_id = \(claimID),
            lease_until = now() + make_interval(secs => \(leaseSeconds)), provider = \(provider), sender = \(sender),
            updated_at = now()
        WHERE n.notification_id IN (
            SELECT notification_id FROM notification.notifications
            WHERE status = 'queued' AND not_before <= now()
            ORDER BY priority_rank DESC, created_at, notification_id
            LIMIT \(max(1, limit)) FOR UPDATE SKIP LOCKED)
        RETURNING \(unescaped: NotificationRecord.columns)
        """
    }

    static let unsentClaimReason = "claimed, but the claim's answer was lost before anything was sent; queued again"

    /// Puts back what a failed claim took if it committed after all (the connection dropped with
    /// the COMMIT's answer on its way): this replica never handed those rows to the gateway, so
    /// they are queued again without counting the attempt, even if their lease has meanwhile
    /// lapsed into `unknown`. Returns how many rows it found (none when the claim really failed).
    @discardableResult
    func putBackUnsent(claimID: UUID, logger: Logger) async throws -> Int {
        try await postgres.inTransaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE notification.notifications AS n
                SET status = 'queued', attempts = n.attempts - 1, not_before = now(), lease_until = NULL, claimed_by = NULL,
                    claim_id = NULL, reconcile_after = NULL, reason = \(Self.unsentClaimReason), updated_at = now()
                WHERE n.claim_id = \(claimID) AND (n.status = 'sending' OR n.status = 'unknown')
                RETURNING \(unescaped: NotificationRecord.columns)
                """, logger: logger)
            var records: [NotificationRecord] = []
            for try await row in rows { records.append(try NotificationRecord(row: row)) }
            try await log.record(records.map { ($0, "released", Self.unsentClaimReason) }, on: connection, logger: logger)
            return records.count
        }
    }

    /// Puts a claimed message back without counting the attempt (quiet hours began meanwhile).
    func release(_ record: NotificationRecord, until notBefore: Date, reason: String, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE notification.notifications
                SET status = 'queued', attempts = attempts - 1, not_before = \(notBefore), lease_until = NULL, claimed_by = NULL,
                    updated_at = now()
                WHERE notification_id = \(record.notificationID) AND status = 'sending' AND claimed_by = \(log.instance)
                """, logger: logger)
            try await log.record(record, status: "released", reason: reason, on: connection, logger: logger)
        }
    }

    /// What the gateway accepted for one claimed message.
    struct Sent: Sendable {
        var record: NotificationRecord
        var receipt: ProviderReceipt
        var language: String
        var encoding: SMSEncoding

        var status: String { receipt.delivered ? "delivered" : "sent" }
        var reason: String { "gateway: \(receipt.providerStatus)" }

        /// The claimed record as it stands once this acceptance is recorded.
        func updated(provider: String) -> NotificationRecord {
            var updated = record
            updated.status = status
            updated.provider = provider
            updated.providerMessageID = receipt.providerMessageID
            updated.encoding = encoding.alphabet.rawValue
            updated.segments = encoding.segments
            return updated
        }
    }

    /// A claimed batch's gateway acceptances in one transaction: rows, history and status events
    /// in three statements instead of one round trip per message. Recorded even if a lease ran out
    /// meanwhile (the row may already say `unknown`): a known outcome always beats an unknown one.
    func recordSent(_ batch: [Sent], provider: String, logger: Logger) async throws {
        guard batch.count > 1 else {
            if let sent = batch.first { try await recordSent(sent, provider: provider, logger: logger) }
            return
        }
        let raced = try await postgres.inTransaction(logger: logger) { connection -> Set<String> in
            // Array elements cannot be NULL here; all of these are known once the gateway answered.
            try await connection.query("""
                UPDATE notification.notifications AS n
                SET status = s.status, provider = \(provider), provider_message_id = s.provider_message_id,
                    rendered_language = s.language, encoding = s.encoding, segments = s.segments,
                    reason = NULL, lease_until = NULL, reconcile_after = NULL, updated_at = now()
                FROM unnest(\(batch.map(\.record.notificationID))::text[], \(batch.map(\.status))::text[],
                            \(batch.map(\.receipt.providerMessageID))::text[], \(batch.map(\.language))::text[],
                            \(batch.map(\.encoding.alphabet.rawValue))::text[], \(batch.map(\.encoding.segments))::int8[])
                     AS s(notification_id, status, provider_message_id, language, encoding, segments)
                WHERE n.notification_id = s.notification_id AND n.status IN ('sending', 'unknown')
                """, logger: logger)
            try await log.record(batch.map { ($0.updated(provider: provider), $0.status, $0.reason) }, on: connection, logger: logger)
            let rows = try await connection.query("""
                SELECT DISTINCT provider_message_id FROM notification.pending_delivery_reports
                WHERE provider = \(provider) AND provider_message_id = ANY(\(batch.map(\.receipt.providerMessageID))::text[])
                """, logger: logger)
            var raced = Set<String>()
            for try await id in rows.decode(String.self) { raced.insert(id) }
            return raced
        }
        for sent in batch where raced.contains(sent.receipt.providerMessageID) {
            try await applyPendingReports(to: sent.updated(provider: provider), logger: logger)
        }
    }

    /// One message's acceptance in one statement (one round trip, atomic), which also says
    /// whether a delivery report raced ahead of this record.
    private func recordSent(_ sent: Sent, provider: String, logger: Logger) async throws {
        let (record, receipt, status, reason) = (sent.record, sent.receipt, sent.status, sent.reason)
        let (language, encoding) = (sent.language, sent.encoding)
        let updated = sent.updated(provider: provider)
        let event = try log.statusEvent(updated, status: status, reason: reason, provider: provider,
                                        providerMessageID: receipt.providerMessageID, encoding: nil, segments: nil)?.outboxRow()
        let raced = try await postgres.withOpenConnection { connection in
            let rows = try await connection.query("""
                WITH updated AS (
                    UPDATE notification.notifications
                    SET status = \(status), provider = \(provider), provider_message_id = \(receipt.providerMessageID),
                        rendered_language = \(language), encoding = \(encoding.alphabet.rawValue), segments = \(encoding.segments),
                        reason = NULL, lease_until = NULL, reconcile_after = NULL, updated_at = now()
                    WHERE notification_id = \(record.notificationID) AND status IN ('sending', 'unknown')
                    RETURNING 1
                ), history AS (
                    INSERT INTO notification.history (notification_id, status, reason, provider, provider_message_id, attempt, instance)
                    VALUES (\(record.notificationID), \(status), \(reason), \(provider), \(receipt.providerMessageID), \(record.attempts),
                            \(log.instance))
                ), event AS (
                    INSERT INTO notification.outbox (event_id, topic, message_key, payload, headers)
                    SELECT e.event_id, e.topic, e.message_key, e.payload, e.headers::jsonb
                    FROM (VALUES (\(event?.eventID)::text, \(event?.topic)::text, \(event?.key)::bytea, \(event?.payload)::bytea, \(event?.headers)::text))
                         AS e(event_id, topic, message_key, payload, headers)
                    WHERE e.event_id IS NOT NULL
                )
                SELECT EXISTS (SELECT 1 FROM notification.pending_delivery_reports
                               WHERE provider = \(provider) AND provider_message_id = \(receipt.providerMessageID))
                """, logger: logger)
            var raced = false
            for try await exists in rows.decode(Bool.self) { raced = exists }
            return raced
        }
        guard raced else { return }
        try await applyPendingReports(to: updated, logger: logger)
    }

    /// Delivery reports that arrived before the send was recorded, applied in the order received.
    private func applyPendingReports(to record: NotificationRecord, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await applyPendingReports(to: record, on: connection, logger: logger)
        }
    }

    private func applyPendingReports(to record: NotificationRecord, on connection: PostgresConnection, logger: Logger) async throws {
        guard let provider = record.provider, let providerMessageID = record.providerMessageID else { return }
        let pendingRows = try await connection.query("""
            DELETE FROM notification.pending_delivery_reports
            WHERE provider = \(provider) AND provider_message_id = \(providerMessageID)
            RETURNING status, provider_status, reason, received_at
            """, logger: logger)
        var pending: [(String, String, String?, Date)] = []
        for try await report in pendingRows.decode((String, String, String?, Date).self) { pending.append(report) }
        var updated = record
        for (reportStatus, providerStatus, reason, _) in pending.sorted(by: { $0.3 < $1.3 }) {
            try await RequestStore.apply(status: reportStatus, providerStatus: providerStatus, reason: reason, to: updated,
                                         log: log, on: connection, logger: logger)
            if reportStatus == "delivered" || reportStatus == "failed" { updated.status = reportStatus }
        }
    }

    /// Delivery reports still waiting although their send is recorded: the report's transaction
    /// looked for the send just before the send's committed, and the send looked for waiting
    /// reports just before the report's committed. Applied here, on rows locked for the purpose;
    /// returns how many messages it settled.
    func applyStrandedDeliveryReports(limit: Int, logger: Logger) async throws -> Int {
        try await postgres.inTransaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: NotificationRecord.columns) FROM notification.notifications n
                WHERE (n.provider, n.provider_message_id) IN (
                    SELECT provider, provider_message_id FROM notification.pending_delivery_reports LIMIT \(limit))
                FOR UPDATE OF n SKIP LOCKED
                """, logger: logger)
            var records: [NotificationRecord] = []
            for try await row in rows { records.append(try NotificationRecord(row: row)) }
            for record in records { try await applyPendingReports(to: record, on: connection, logger: logger) }
            return records.count
        }
    }

    /// A retriable failure: back to `queued` after a backoff, or `failed` once attempts run out.
    func recordRetry(_ record: NotificationRecord, notBefore: Date, reason: String, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE notification.notifications
                SET status = 'queued', not_before = \(notBefore), reason = \(reason), lease_until = NULL, claimed_by = NULL,
                    updated_at = now()
                WHERE notification_id = \(record.notificationID) AND status = 'sending'
                """, logger: logger)
            try await log.record(record, status: "queued", reason: reason, on: connection, logger: logger)
        }
    }

    func recordFailure(_ record: NotificationRecord, reason: String, optOut: Bool = false, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE notification.notifications
                SET status = 'failed', reason = \(reason), lease_until = NULL, reconcile_after = NULL, updated_at = now()
                WHERE notification_id = \(record.notificationID) AND status IN ('sending', 'unknown')
                """, logger: logger)
            if optOut {
                try await connection.query("""
                    INSERT INTO notification.opt_outs (recipient_pseudonym, source) VALUES (\(record.recipient.pseudonym), \(record.provider ?? "gateway"))
                    ON CONFLICT (recipient_pseudonym) DO NOTHING
                    """, logger: logger)
            }
            try await log.record(record, status: "failed", reason: reason, on: connection, logger: logger)
        }
    }

    /// The send may or may not have happened (no answer): `unknown`, to be reconciled.
    func recordUnknown(_ record: NotificationRecord, reason: String, reconcileAfter: Date?, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE notification.notifications
                SET status = 'unknown', reason = \(reason), lease_until = NULL, reconcile_after = \(reconcileAfter), updated_at = now()
                WHERE notification_id = \(record.notificationID) AND status IN ('sending', 'unknown')
                """, logger: logger)
            try await log.record(record, status: "unknown", reason: reason, on: connection, logger: logger)
        }
    }
}
