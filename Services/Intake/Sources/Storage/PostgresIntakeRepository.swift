import Foundation
import HotlineDomain
import HotlineRuntime
import HotlineStorage
import Logging
import Metrics
import PostgresNIO

struct PostgresIntakeRepository: IntakeRepository {
    let postgres: PostgresClient
    let outbox: Outbox
    let senderLimitPerHour: Int
    /// Runs in the service group: the new reports of concurrent requests share one commit.
    let newReports: GroupCommitter<NewReport, NewReportOutcome>
    static let source = "/hotline/intake"

    init(runtime: ServiceRuntime, intake: IntakeConfiguration, logger: Logger) {
        postgres = runtime.postgres
        outbox = runtime.outbox
        senderLimitPerHour = intake.senderLimitPerHour
        let batches = NewReportBatches(
            postgres: runtime.postgres, deadline: .milliseconds(runtime.configuration.requestDeadlineMilliseconds), logger: logger)
        newReports = GroupCommitter(configuration: intake.groupCommit) { try await batches.commit($0) }
    }

    func acceptSMS(key: InboundKey, sender: ProtectedPhone, text: String, language: String?, logger: Logger) async throws -> InboundResult {
        let kind = try await classify(text, logger: logger)
        if kind == .report {
            let submission = ReportSubmission(channel: .sms, language: language ?? "fr", text: text, locationHint: nil, reporter: sender)
            if let stored = try await storeNew(key: key, requestHash: nil, senderLimit: senderLimitPerHour, submission: submission, logger: logger) {
                return stored
            }
        }
        return try await postgres.inTransaction(logger: logger) { connection in
            if let existing = try await claim(key, requestHash: nil, sender: sender.pseudonym, on: connection, logger: logger) {
                return InboundResult(outcome: existing, isDuplicate: true)
            }
            let receivedAt = Date()
            let outcome: InboundOutcome
            switch kind {
            case .optOut:
                // Opt-outs are never throttled: stopping messages must always work.
                try await enqueueCommand(.init(commandID: commandID(key), kind: .optOut, sender: sender, channel: .sms, receivedAt: receivedAt),
                                         on: connection, logger: logger)
                outcome = .optOut
            case .optIn:
                // Not limited either: it changes nothing but a STOP, and confirms only once per STOP.
                try await enqueueCommand(.init(commandID: commandID(key), kind: .optIn, sender: sender, channel: .sms, receivedAt: receivedAt),
                                         on: connection, logger: logger)
                outcome = .optIn
            case .reporterCommand(let command):
                if try await overLimit(sender.pseudonym, on: connection, logger: logger) {
                    outcome = .throttled
                } else {
                    try await enqueueCommand(.init(commandID: commandID(key), kind: .reporterCommand, reporterCommand: command,
                                                   sender: sender, channel: .sms, receivedAt: receivedAt), on: connection, logger: logger)
                    outcome = .command
                }
            case .responderCommand(let command):
                if try await overLimit(sender.pseudonym, on: connection, logger: logger) {
                    outcome = .throttled
                } else {
                    try await enqueueCommand(.init(commandID: commandID(key), kind: .responderCommand, responderCommand: command,
                                                   sender: sender, channel: .sms, receivedAt: receivedAt), on: connection, logger: logger)
                    outcome = .command
                }
            case .report:
                if try await overLimit(sender.pseudonym, on: connection, logger: logger) {
                    outcome = .throttled
                } else {
                    let submission = ReportSubmission(channel: .sms, language: language ?? "fr", text: text, locationHint: nil, reporter: sender)
                    outcome = try await insertReport(submission, at: receivedAt, on: connection, logger: logger)
                }
            }
            try await record(key, outcome, on: connection, logger: logger)
            count(key, outcome)
            return InboundResult(outcome: outcome, isDuplicate: false)
        }
    }

    func acceptReport(key: InboundKey?, requestHash: String?, submission: ReportSubmission, logger: Logger) async throws -> InboundResult {
        // A USSD reporter shares the SMS sender's hourly limit (one window per number); an
        // operator's reports carry a caller's number too but are a trusted channel, never limited.
        let limitedSender = submission.channel == .ussd ? submission.reporter?.pseudonym : nil
        let senderLimit = limitedSender == nil ? nil : senderLimitPerHour
        if let key, let stored = try await storeNew(key: key, requestHash: requestHash, senderLimit: senderLimit, submission: submission, logger: logger) {
            return stored
        }
        return try await postgres.inTransaction(logger: logger) { connection in
            if let key, let existing = try await claim(key, requestHash: requestHash, sender: submission.reporter?.pseudonym, on: connection, logger: logger) {
                return InboundResult(outcome: existing, isDuplicate: true)
            }
            let outcome: InboundOutcome
            if let limitedSender, try await overLimit(limitedSender, on: connection, logger: logger) {
                outcome = .throttled
            } else {
                outcome = try await insertReport(submission, at: Date(), on: connection, logger: logger)
            }
            if let key {
                try await record(key, outcome, on: connection, logger: logger)
                count(key, outcome)
            }
            return InboundResult(outcome: outcome, isDuplicate: false)
        }
    }

    func acceptDeliveryStatus(key: InboundKey, status: DeliveryStatusReceived, logger: Logger) async throws -> InboundResult {
        try await postgres.inTransaction(logger: logger) { connection in
            if let existing = try await claim(key, requestHash: nil, sender: nil, on: connection, logger: logger) {
                return InboundResult(outcome: existing, isDuplicate: true)
            }
            try await outbox.enqueue(
                try .envelope(topic: Topic.notificationStatus, key: status.providerMessageID, source: Self.source,
                              type: DeliveryStatusReceived.eventType, time: status.receivedAt, data: status),
                on: connection, logger: logger)
            try await record(key, .deliveryStatus, on: connection, logger: logger)
            count(key, .deliveryStatus)
            return InboundResult(outcome: .deliveryStatus, isDuplicate: false)
        }
    }

    // MARK: The common case, committed with concurrent requests' reports

    /// Stores a new report in a shared commit; nil when the message was seen before or the server
    /// refused the batch (a drawn code taken, say), which the step-by-step transaction handles.
    private func storeNew(key: InboundKey, requestHash: String?, senderLimit: Int?, submission: ReportSubmission,
                          logger: Logger) async throws -> InboundResult? {
        let receivedAt = Date()
        let reportID = ReportID()
        let code = ReferenceCode.random()
        let report = NewReport(
            key: key, requestHash: requestHash, senderLimit: senderLimit, reportID: reportID, code: code, submission: submission,
            receivedAt: receivedAt, event: try reportReceived(submission, id: reportID, code: code, at: receivedAt).outboxRow())
        let outcome: InboundOutcome
        switch try await newReports.submit(report) {
        case .stored: outcome = .report(reportID, code)
        case .throttled: outcome = .throttled
        case .seen, .fallBack: return nil
        }
        count(key, outcome)
        return InboundResult(outcome: outcome, isDuplicate: false)
    }

    // MARK: Steps inside the transaction

    /// Claims the idempotency key. Returns nil when this call owns it, or the earlier outcome.
    ///
    /// A concurrent duplicate blocks on the unique key until the first transaction ends, then
    /// reads its committed outcome; if the first rolled back, the duplicate takes over the claim.
    private func claim(_ key: InboundKey, requestHash: String?, sender: String?, on connection: PostgresConnection, logger: Logger) async throws -> InboundOutcome? {
        let inserted = try await connection.query("""
            INSERT INTO intake.inbound_messages (channel, gateway_message_id, request_hash, sender_pseudonym, kind)
            VALUES (\(key.channel.rawValue), \(key.messageID), \(requestHash), \(sender), 'pending')
            ON CONFLICT (channel, gateway_message_id) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in inserted { return nil }
        let rows = try await connection.query("""
            SELECT kind, report_id, reference_code, request_hash FROM intake.inbound_messages
            WHERE channel = \(key.channel.rawValue) AND gateway_message_id = \(key.messageID)
            """, logger: logger)
        for try await (kind, reportID, code, storedHash) in rows.decode((String, UUID?, String?, String?).self) {
            if let requestHash, let storedHash, requestHash != storedHash { throw IdempotencyConflict() }
            Counter(label: "hotline_intake_duplicates_total", dimensions: [("channel", key.channel.rawValue)]).increment()
            switch kind {
            case "report":
                guard let reportID, let code = code.flatMap(ReferenceCode.init(parsing:)) else { break }
                return .report(ReportID(reportID), code)
            case "command": return .command
            case "opt_out": return .optOut
            case "opt_in": return .optIn
            case "throttled": return .throttled
            case "delivery_status": return .deliveryStatus
            default: break
            }
        }
        throw StorageError(code: .corruptRow, message: "inbound message \(key.channel.rawValue) has no recorded outcome")
    }

    private func record(_ key: InboundKey, _ outcome: InboundOutcome, on connection: PostgresConnection, logger: Logger) async throws {
        var reportID: UUID?
        var code: String?
        let kind: String
        switch outcome {
        case .report(let id, let reference):
            kind = "report"
            reportID = id.uuid
            code = reference.value
        case .command: kind = "command"
        case .optOut: kind = "opt_out"
        case .optIn: kind = "opt_in"
        case .throttled: kind = "throttled"
        case .deliveryStatus: kind = "delivery_status"
        }
        try await connection.query("""
            UPDATE intake.inbound_messages SET kind = \(kind), report_id = \(reportID), reference_code = \(code)
            WHERE channel = \(key.channel.rawValue) AND gateway_message_id = \(key.messageID)
            """, logger: logger)
    }

    /// The sliding hour of `SenderWindows.swift`, shared by every intake replica.
    private func overLimit(_ pseudonym: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO intake.sender_windows (pseudonym, window_start, count)
            VALUES (\(pseudonym), date_trunc('hour', now()), 1)
            ON CONFLICT (pseudonym, window_start) DO UPDATE SET count = intake.sender_windows.count + 1
            RETURNING intake.sender_over_limit(pseudonym, count, \(senderLimitPerHour))
            """, logger: logger)
        for try await over in rows.decode(Bool.self) { return over }
        return false
    }

    private func insertReport(_ submission: ReportSubmission, at receivedAt: Date, on connection: PostgresConnection, logger: Logger) async throws -> InboundOutcome {
        let reportID = ReportID()
        var code = ReferenceCode.random()
        // A fresh code collides about once per billion reports; draw again when it does.
        while true {
            let rows = try await connection.query("""
                INSERT INTO intake.reports (report_id, reference_code, channel, language, text, location_hint, received_at,
                                            reporter_pseudonym, reporter_key_id, reporter_ciphertext, category_hint, place_code)
                VALUES (\(reportID.uuid), \(code.value), \(submission.channel.rawValue), \(submission.language), \(submission.text),
                        \(submission.locationHint), \(receivedAt), \(submission.reporter?.pseudonym), \(submission.reporter?.sealed.keyID),
                        \(submission.reporter?.sealed.ciphertext), \(submission.categoryHint), \(submission.placeCode))
                ON CONFLICT (reference_code) DO NOTHING RETURNING 1
                """, logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            if inserted { break }
            code = ReferenceCode.random()
        }
        try await outbox.enqueue(try reportReceived(submission, id: reportID, code: code, at: receivedAt), on: connection, logger: logger)
        return .report(reportID, code)
    }

    private func reportReceived(_ submission: ReportSubmission, id reportID: ReportID, code: ReferenceCode, at receivedAt: Date) throws -> OutboxEvent {
        let event = ReportReceived(
            reportID: reportID, referenceCode: code, channel: submission.channel, language: submission.language,
            text: submission.text, locationHint: submission.locationHint, receivedAt: receivedAt, reporter: submission.reporter,
            categoryHint: submission.categoryHint, placeCode: submission.placeCode)
        return try .envelope(topic: Topic.reportsReceived, key: reportID.description, source: Self.source,
                             type: ReportReceived.eventType, subject: code.value, time: receivedAt, data: event)
    }

    private func enqueueCommand(_ command: CommandReceived, on connection: PostgresConnection, logger: Logger) async throws {
        try await outbox.enqueue(
            try .envelope(topic: Topic.commandsReceived, key: command.sender.pseudonym, source: Self.source,
                          type: CommandReceived.eventType, time: command.receivedAt, data: command),
            on: connection, logger: logger)
    }

    private func commandID(_ key: InboundKey) -> String { "\(key.channel.rawValue):\(key.messageID)" }

    private func count(_ key: InboundKey, _ outcome: InboundOutcome) {
        let label = switch outcome {
        case .report: "report"
        case .command: "command"
        case .optOut: "opt_out"
        case .optIn: "opt_in"
        case .throttled: "throttled"
        case .deliveryStatus: "delivery_status"
        }
        Counter(label: "hotline_intake_inbound_total", dimensions: [("channel", key.channel.rawValue), ("outcome", label)]).increment()
    }

    /// Classifies, asking the database only when a digit-less token could be an issued code.
    private func classify(_ text: String, logger: Logger) async throws -> InboundSMSKind {
        let first = InboundSMSClassifier.classify(text)
        guard first == .report, let candidate = InboundSMSClassifier.codeCandidate(in: text) else { return first }
        let rows = try await postgres.query(
            "SELECT 1 FROM intake.reports WHERE reference_code = \(candidate.value)", logger: logger)
        var exists = false
        for try await _ in rows { exists = true }
        return exists ? InboundSMSClassifier.classify(text) { $0 == candidate } : first
    }
}
