import Foundation
import HotlineDomain
import HotlineStorage
import Logging
import PostgresNIO

/// A report that passed validation and is ready to be stored.
struct ReportSubmission: Sendable {
    var channel: ReportChannel
    var language: String
    var text: String
    var locationHint: String?
}

struct AcceptedReport: Sendable {
    var reportID: ReportID
    var referenceCode: ReferenceCode
    var receivedAt: Date
}

protocol ReportRepository: Sendable {
    /// Stores the report and its `hotline.reports.received` event in one transaction.
    func accept(_ submission: ReportSubmission, logger: Logger) async throws -> AcceptedReport
}

struct PostgresReportRepository: ReportRepository {
    let postgres: PostgresClient
    let outbox: Outbox

    func accept(_ submission: ReportSubmission, logger: Logger) async throws -> AcceptedReport {
        let reportID = ReportID()
        let receivedAt = Date()
        return try await postgres.withTransaction(logger: logger) { connection in
            // A fresh code collides about once per billion reports; draw again when it does.
            var code = ReferenceCode.random()
            while try await !insert(submission, id: reportID, code: code, at: receivedAt, on: connection, logger: logger) {
                code = ReferenceCode.random()
            }
            let event = ReportReceived(
                reportID: reportID, referenceCode: code, channel: submission.channel, language: submission.language,
                text: submission.text, locationHint: submission.locationHint, receivedAt: receivedAt)
            try await outbox.enqueue(
                try .envelope(
                    topic: Topic.reportsReceived, key: reportID.description, source: "/hotline/intake",
                    type: ReportReceived.eventType, subject: code.value, time: receivedAt, data: event),
                on: connection, logger: logger)
            return AcceptedReport(reportID: reportID, referenceCode: code, receivedAt: receivedAt)
        }
    }

    private func insert(
        _ submission: ReportSubmission, id: ReportID, code: ReferenceCode, at receivedAt: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO intake.reports (report_id, reference_code, channel, language, text, location_hint, received_at)
            VALUES (\(id.uuid), \(code.value), \(submission.channel.rawValue), \(submission.language),
                    \(submission.text), \(submission.locationHint), \(receivedAt))
            ON CONFLICT (reference_code) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
