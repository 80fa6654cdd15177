import Foundation
import HotlineConcurrency
import HotlineDomain
import HotlineStorage
import Logging
import Metrics
import PostgresNIO

/// A new report ready for the common case of intake: the idempotency claim, the sender's count,
/// the report and its outbox event, stored together.
struct NewReport: Sendable {
    var key: InboundKey
    var requestHash: String?
    /// nil: the channel has no per-sender limit (operator reports).
    var senderLimit: Int?
    var reportID: ReportID
    var code: ReferenceCode
    var submission: ReportSubmission
    var receivedAt: Date
    var event: OutboxRow
}

enum NewReportOutcome: String, Sendable {
    case stored
    /// Over the sender's limit: claimed and counted as throttled, nothing routed.
    case throttled
    /// Claimed before (a retry, or the same id twice in one batch): the caller reads that outcome.
    case seen
    /// Left to the step-by-step transaction: the batch was refused (a reference code taken, say).
    case fallBack
}

/// Commits the new reports of concurrent requests in one statement and one transaction (group
/// commit, `GroupCommitter`). Measured with pgbench on this schema: one report per statement ran
/// at about a quarter of the single-row INSERT baseline, sixteen per statement at about two thirds.
struct NewReportBatches: Sendable {
    let postgres: PostgresClient
    /// A commit on a connection the server closed may never be answered (see `withDeadline`).
    let deadline: Duration
    let logger: Logger

    func commit(_ batch: [NewReport]) async throws -> [NewReportOutcome] {
        let statement = NewReportBatchStatement(batch)
        do {
            let outcomes = try await withDeadline(deadline) {
                try await postgres.withOpenConnection { connection in
                    var outcomes: [String] = []
                    for try await row in try await connection.execute(statement, logger: logger) { outcomes = row }
                    return outcomes
                }
            }
            // Their ratio is the mean batch: near 1 when intake is quiet, larger when commits are busy.
            Counter(label: "hotline_intake_group_commits_total").increment()
            Counter(label: "hotline_intake_group_committed_reports_total").increment(by: batch.count)
            return outcomes.map { NewReportOutcome(rawValue: $0) ?? .fallBack }
        } catch let error as PSQLError where error.code == .server && !isDatabaseUnavailable(error) {
            // The server refused the statement and rolled the whole batch back: a drawn reference
            // code already taken (about once per billion reports), or one report it will not take.
            // Each report then takes the step-by-step path alone, so one bad report fails alone
            // instead of failing its batch-mates at every retry of its gateway.
            logger.notice("batch refused; its reports take the step-by-step path", metadata: [
                "reports": "\(batch.count)", "sqlstate": "\(error.serverInfo?[.sqlState] ?? "")",
            ])
            return batch.map { _ in .fallBack }
        }
    }
}

/// `intake.accept_new_reports` over arrays, one element per report. PostgresNIO's arrays carry no
/// NULL elements, so an absent text is an empty string and an absent limit is -1.
struct NewReportBatchStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT intake.accept_new_reports($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
        """

    static let bindingDataTypes: [PostgresDataType] = [
        .textArray, .textArray, .textArray, .textArray, .int8Array, .uuidArray, .textArray,
        .textArray, .textArray, .textArray, .textArray, .timestamptzArray, .textArray, .textArray, .textArray, .textArray,
        .textArray, .textArray, .byteaArray, .byteaArray, .textArray,
    ]

    typealias Row = [String]

    let batch: [NewReport]

    init(_ batch: [NewReport]) { self.batch = batch }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 21)
        bindings.append(batch.map(\.key.channel.rawValue))
        bindings.append(batch.map(\.key.messageID))
        bindings.append(batch.map { $0.requestHash ?? "" })
        bindings.append(batch.map { $0.submission.reporter?.pseudonym ?? "" })
        bindings.append(batch.map { Int64($0.senderLimit ?? -1) })
        bindings.append(batch.map(\.reportID.uuid))
        bindings.append(batch.map(\.code.value))
        bindings.append(batch.map(\.submission.channel.rawValue))
        bindings.append(batch.map(\.submission.language))
        bindings.append(batch.map(\.submission.text))
        bindings.append(batch.map { $0.submission.locationHint ?? "" })
        bindings.append(batch.map(\.receivedAt))
        bindings.append(batch.map { $0.submission.reporter?.sealed.keyID ?? "" })
        bindings.append(batch.map { $0.submission.reporter?.sealed.ciphertext ?? "" })
        bindings.append(batch.map { $0.submission.categoryHint ?? "" })
        bindings.append(batch.map { $0.submission.placeCode ?? "" })
        bindings.append(batch.map(\.event.eventID))
        bindings.append(batch.map(\.event.topic))
        bindings.append(batch.map(\.event.key))
        bindings.append(batch.map(\.event.payload))
        bindings.append(batch.map(\.event.headers))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> [String] { try row.decode([String].self) }
}

extension IntakeMigrations {
    /// Migration 4's one-statement intake raised `intake.fall_back` to roll itself back; migration 6
    /// drops it. Kept as it ran, since applied migrations are never edited.
    static let fallBackFunction = Migration(version: 4, name: "one-statement intake", statements: [
        """
        CREATE FUNCTION intake.fall_back(reason text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            RAISE EXCEPTION 'intake: %', reason USING ERRCODE = 'HL001';
        END
        $$
        """,
    ])

    /// The batch function decides each report's outcome itself. Each report is handled as the
    /// step-by-step transaction would, in order, so a sender or a message id seen twice in one
    /// batch is counted and claimed exactly as in two requests.
    static let groupCommit = Migration(version: 6, name: "group commit of new reports", statements: [
        "DROP FUNCTION intake.fall_back(text)",
        """
        CREATE FUNCTION intake.accept_new_reports(
            channels text[], message_ids text[], request_hashes text[], senders text[], hourly_limits bigint[],
            report_ids uuid[], codes text[], report_channels text[], languages text[], texts text[], location_hints text[],
            received_ats timestamptz[], key_ids text[], ciphertexts text[], category_hints text[], place_codes text[],
            event_ids text[], topics text[], message_keys bytea[], payloads bytea[], headers text[])
        RETURNS text[] LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            outcomes text[] := '{}';
            sender text;
            window_count integer;
        BEGIN
            FOR i IN 1 .. coalesce(array_length(message_ids, 1), 0) LOOP
                sender := nullif(senders[i], '');
                INSERT INTO intake.inbound_messages (channel, gateway_message_id, request_hash, sender_pseudonym, kind, report_id, reference_code)
                VALUES (channels[i], message_ids[i], nullif(request_hashes[i], ''), sender, 'report', report_ids[i], codes[i])
                ON CONFLICT (channel, gateway_message_id) DO NOTHING;
                IF NOT FOUND THEN
                    outcomes := outcomes || 'seen'::text;
                    CONTINUE;
                END IF;
                IF sender IS NOT NULL AND hourly_limits[i] >= 0 THEN
                    INSERT INTO intake.sender_windows AS w (pseudonym, window_start, count)
                    VALUES (sender, date_trunc('hour', now()), 1)
                    ON CONFLICT (pseudonym, window_start) DO UPDATE SET count = w.count + 1
                    RETURNING w.count INTO window_count;
                    IF intake.sender_over_limit(sender, window_count, hourly_limits[i]) THEN
                        UPDATE intake.inbound_messages SET kind = 'throttled', report_id = NULL, reference_code = NULL
                        WHERE channel = channels[i] AND gateway_message_id = message_ids[i];
                        outcomes := outcomes || 'throttled'::text;
                        CONTINUE;
                    END IF;
                END IF;
                -- A reference code already taken raises unique_violation: the batch rolls back whole.
                INSERT INTO intake.reports (report_id, reference_code, channel, language, text, location_hint, received_at,
                                            reporter_pseudonym, reporter_key_id, reporter_ciphertext, category_hint, place_code)
                VALUES (report_ids[i], codes[i], report_channels[i], languages[i], texts[i], nullif(location_hints[i], ''),
                        received_ats[i], sender, nullif(key_ids[i], ''), nullif(ciphertexts[i], ''), nullif(category_hints[i], ''),
                        nullif(place_codes[i], ''));
                INSERT INTO intake.outbox (event_id, topic, message_key, payload, headers)
                VALUES (event_ids[i], topics[i], message_keys[i], payloads[i], headers[i]::jsonb);
                outcomes := outcomes || 'stored'::text;
            END LOOP;
            RETURN outcomes;
        END
        $$
        """,
    ])
}
