import Foundation
import HotlineDomain
import HotlineStorage
import Logging
import PostgresNIO

/// One row of `notification.notifications`, as the dispatcher works with it.
struct NotificationRecord: Sendable {
    var notificationID: String
    var caseID: UUID?
    var referenceCode: String?
    var audience: String
    var template: String
    var parameters: [String: String]
    var language: String
    var priority: NotificationRequested.Priority
    var recipient: ProtectedPhone
    var timeZone: String?
    /// The alerted target's active hours (`HH:MM-HH:MM`), which replace the quiet hours for this message.
    var activeHours: String?
    var optOutExempt: Bool
    var status: String
    var attempts: Int
    var provider: String?
    var providerMessageID: String?
    var encoding: String?
    var segments: Int?
    var claimedAt: Date?
    var optedOut: Bool

    /// The columns `init(row:)` reads, in order, for `RETURNING` and `SELECT` lists.
    static let columns = """
        n.notification_id, n.case_id, n.reference_code, n.audience, n.template,
        ARRAY(SELECT p.key FROM jsonb_each_text(n.parameters) p), ARRAY(SELECT p.value FROM jsonb_each_text(n.parameters) p),
        n.language, n.priority,
        n.recipient_pseudonym, n.recipient_key_id, n.recipient_ciphertext, n.time_zone, n.opt_out_exempt, n.status, n.attempts,
        n.provider, n.provider_message_id, n.encoding, n.segments, n.claimed_at,
        EXISTS (SELECT 1 FROM notification.opt_outs o WHERE o.recipient_pseudonym = n.recipient_pseudonym), n.active_hours
        """

    init(row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        notificationID = try r[0].decode(String.self)
        caseID = try r[1].decode(UUID?.self)
        referenceCode = try r[2].decode(String?.self)
        audience = try r[3].decode(String.self)
        template = try r[4].decode(String.self)
        // Split by the server: a `JSONDecoder` per row was about 7 % of notification's CPU in a `perf` profile.
        // Both arrays walk the same jsonb value, so in the same order; a value is never null (a string map).
        parameters = Dictionary(zip(try r[5].decode([String].self), try r[6].decode([String].self)), uniquingKeysWith: { first, _ in first })
        language = try r[7].decode(String.self)
        priority = NotificationRequested.Priority(rawValue: try r[8].decode(String.self)) ?? .routine
        recipient = ProtectedPhone(pseudonym: try r[9].decode(String.self),
                                   sealed: SealedPhone(keyID: try r[10].decode(String.self), ciphertext: try r[11].decode(String.self)))
        timeZone = try r[12].decode(String?.self)
        optOutExempt = try r[13].decode(Bool.self)
        status = try r[14].decode(String.self)
        attempts = try r[15].decode(Int.self)
        provider = try r[16].decode(String?.self)
        providerMessageID = try r[17].decode(String?.self)
        encoding = try r[18].decode(String?.self)
        segments = try r[19].decode(Int?.self)
        claimedAt = try r[20].decode(Date?.self)
        optedOut = try r[21].decode(Bool.self)
        activeHours = try r[22].decode(String?.self)
    }

    /// The row `RequestStore` has just inserted for `request`, as it stands.
    init(queued request: NotificationRequested, optOutExempt: Bool) {
        notificationID = request.notificationID
        caseID = request.caseID
        referenceCode = request.referenceCode?.value
        audience = request.audience
        template = request.template
        parameters = request.parameters
        language = request.language.lowercased()
        priority = request.priority
        recipient = request.recipient
        timeZone = request.timeZone
        activeHours = request.activeHours
        self.optOutExempt = optOutExempt
        status = "queued"
        attempts = 0
        optedOut = false
    }

    static func priorityRank(_ priority: NotificationRequested.Priority) -> Int {
        switch priority {
        case .urgent: 2
        case .routine: 1
        case .survey: 0
        }
    }
}

/// Writes one step of a notification's life: a history row and, for the statuses the contract
/// names, an `org.hotline.notification.status.v1` event in the outbox, in the caller's transaction.
struct StatusLog: Sendable {
    let outbox: Outbox
    let instance: String
    static let source = "/hotline/notification"

    func record(
        _ record: NotificationRecord, status: String, reason: String?, on connection: PostgresConnection, logger: Logger,
        provider: String? = nil, providerMessageID: String? = nil, encoding: String? = nil, segments: Int? = nil
    ) async throws {
        let provider = provider ?? record.provider
        let providerMessageID = providerMessageID ?? record.providerMessageID
        try await connection.query("""
            INSERT INTO notification.history (notification_id, status, reason, provider, provider_message_id, attempt, instance)
            VALUES (\(record.notificationID), \(status), \(reason), \(provider), \(providerMessageID), \(record.attempts), \(instance))
            """, logger: logger)
        guard let event = try statusEvent(record, status: status, reason: reason, provider: provider, providerMessageID: providerMessageID,
                                          encoding: encoding, segments: segments) else { return }
        try await outbox.enqueue(event, on: connection, logger: logger)
    }

    /// One status each for several messages (a claimed batch): two statements instead of two per message.
    func record(_ entries: [(record: NotificationRecord, status: String, reason: String?)], on connection: PostgresConnection,
                logger: Logger) async throws {
        guard entries.count > 1 else {
            if let entry = entries.first {
                try await record(entry.record, status: entry.status, reason: entry.reason, on: connection, logger: logger)
            }
            return
        }
        // Array elements cannot be NULL here; '' stands for none and NULLIF turns it back.
        try await connection.query("""
            INSERT INTO notification.history (notification_id, status, reason, provider, provider_message_id, attempt, instance)
            SELECT h.notification_id, h.status, NULLIF(h.reason, ''), NULLIF(h.provider, ''), NULLIF(h.provider_message_id, ''),
                   h.attempt, \(instance)
            FROM unnest(\(entries.map(\.record.notificationID))::text[], \(entries.map(\.status))::text[],
                        \(entries.map { $0.reason ?? "" })::text[], \(entries.map { $0.record.provider ?? "" })::text[],
                        \(entries.map { $0.record.providerMessageID ?? "" })::text[], \(entries.map(\.record.attempts))::int8[])
                 WITH ORDINALITY AS h(notification_id, status, reason, provider, provider_message_id, attempt, position)
            ORDER BY h.position
            """, logger: logger)
        let events = try entries.compactMap { entry in
            try statusEvent(entry.record, status: entry.status, reason: entry.reason, provider: entry.record.provider,
                            providerMessageID: entry.record.providerMessageID, encoding: nil, segments: nil)
        }
        try await outbox.enqueue(events, on: connection, logger: logger)
    }

    func statusEvent(_ record: NotificationRecord, status: String, reason: String?, provider: String?, providerMessageID: String?,
                             encoding: String?, segments: Int?) throws -> OutboxEvent? {
        guard let published = NotificationStatusChanged.Status(rawValue: status) else { return nil }
        let event = NotificationStatusChanged(
            notificationID: record.notificationID, caseID: record.caseID, referenceCode: record.referenceCode.flatMap(ReferenceCode.init(parsing:)),
            template: record.template, audience: record.audience, language: record.language, priority: record.priority,
            provider: provider, providerMessageID: providerMessageID, status: published, reason: reason, attempt: record.attempts,
            encoding: encoding ?? record.encoding, segments: segments ?? record.segments, at: Date())
        return try .envelope(topic: Topic.notificationStatus, key: record.notificationID, source: Self.source,
                             type: NotificationStatusChanged.eventType, subject: record.referenceCode, data: event)
    }
}
