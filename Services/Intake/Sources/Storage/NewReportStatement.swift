import Foundation
import HotlineDomain
import HotlineStorage
import PostgresNIO

/// The common case of intake in one prepared statement: a new message from a sender under the
/// hourly limit is claimed, counted, stored as a report and queued in the outbox together.
///
/// One statement is one implicit transaction and one round trip, instead of BEGIN, five
/// statements and COMMIT; and its plan is kept per connection. Anything else makes it change
/// nothing: a message already claimed returns `false` (the caller reads the earlier outcome),
/// and a sender over the limit or a reference code already taken raises `fallBackState`,
/// which rolls the whole statement back so the step-by-step transaction can decide.
struct NewReportStatement: PostgresPreparedStatement {
    static let fallBackState = "HL001"

    static let sql = """
        WITH claim AS (
            INSERT INTO intake.inbound_messages (channel, gateway_message_id, request_hash, sender_pseudonym, kind, report_id, reference_code)
            VALUES ($1, $2, $3, $4, 'report', $5, $6)
            ON CONFLICT (channel, gateway_message_id) DO NOTHING
            RETURNING 1
        ), sender_window AS (
            INSERT INTO intake.sender_windows (pseudonym, window_start, count)
            SELECT $4, date_trunc('hour', now()), 1 FROM claim WHERE $4 IS NOT NULL AND $7 IS NOT NULL
            ON CONFLICT (pseudonym, window_start) DO UPDATE SET count = intake.sender_windows.count + 1
            RETURNING count
        ), report AS (
            INSERT INTO intake.reports (report_id, reference_code, channel, language, text, location_hint, received_at,
                                        reporter_pseudonym, reporter_key_id, reporter_ciphertext, category_hint, place_code)
            SELECT $5, $6, $8, $9, $10, $11, $12, $4, $13, $14, $15, $16 FROM claim
            WHERE NOT EXISTS (SELECT 1 FROM sender_window WHERE intake.sender_over_limit($4, count, $7))
            ON CONFLICT (reference_code) DO NOTHING
            RETURNING 1
        ), event AS (
            INSERT INTO intake.outbox (event_id, topic, message_key, payload, headers)
            SELECT $17, $18, $19, $20, $21::jsonb FROM report
            RETURNING 1
        )
        SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM claim) THEN false
                    WHEN EXISTS (SELECT 1 FROM event) THEN true
                    ELSE intake.fall_back('over the sender limit or reference code taken') END
        """

    // Declared, not inferred: a first execution binding NULL must not fix a parameter's type.
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .text, .text, .text, .uuid, .text, .int8,
        .text, .text, .text, .text, .timestamptz, .text, .text, .text, .text,
        .text, .text, .bytea, .bytea, .text,
    ]

    typealias Row = Bool

    var key: InboundKey
    var requestHash: String?
    /// nil: the channel has no per-sender limit (operator reports).
    var senderLimit: Int?
    var reportID: ReportID
    var code: ReferenceCode
    var submission: ReportSubmission
    var receivedAt: Date
    var event: OutboxRow

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 21)
        bindings.append(key.channel.rawValue)
        bindings.append(key.messageID)
        bindings.append(requestHash)
        bindings.append(submission.reporter?.pseudonym)
        bindings.append(reportID.uuid)
        bindings.append(code.value)
        bindings.append(senderLimit.map(Int64.init))
        bindings.append(submission.channel.rawValue)
        bindings.append(submission.language)
        bindings.append(submission.text)
        bindings.append(submission.locationHint)
        bindings.append(receivedAt)
        bindings.append(submission.reporter?.sealed.keyID)
        bindings.append(submission.reporter?.sealed.ciphertext)
        bindings.append(submission.categoryHint)
        bindings.append(submission.placeCode)
        bindings.append(event.eventID)
        bindings.append(event.topic)
        bindings.append(event.key)
        bindings.append(event.payload)
        bindings.append(event.headers)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
}

extension IntakeMigrations {
    static let fallBackFunction = Migration(version: 4, name: "one-statement intake", statements: [
        """
        CREATE FUNCTION intake.fall_back(reason text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            RAISE EXCEPTION 'intake: %', reason USING ERRCODE = 'HL001';
        END
        $$
        """,
    ])
}
