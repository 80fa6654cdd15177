import Foundation
import HotlineDomain
import HotlineKafka
import HotlineStorage
import Logging
import PostgresNIO

/// Records each received report as a case, exactly once however often Kafka delivers it.
struct ReceivedReportRecorder: Sendable {
    /// PLACEHOLDER RULE: every case goes to national triage until the routing rules engine exists.
    /// Cases recorded under this rule are marked with its name, so they can be found and re-routed.
    static let placeholderRule = "placeholder.national-triage"
    static let placeholderTarget = "national-triage"

    let postgres: PostgresClient
    let logger: Logger
    private let inbox = Inbox(schema: .routing, consumer: "routing.reports-received")

    func handle(_ message: KafkaConsumerMessage) async throws {
        let envelope: EventEnvelope<ReportReceived>
        do {
            envelope = try EventCoding.decode(ReportReceived.self, from: message.value)
        } catch {
            throw PermanentHandlerError("undecodable \(Topic.reportsReceived) record: \(error)")
        }
        guard envelope.type == ReportReceived.eventType else {
            throw PermanentHandlerError("unsupported event type \(envelope.type)")
        }
        let report = envelope.data
        let recorded = try await postgres.inTransaction(logger: logger) { connection in
            guard try await inbox.markProcessed(eventID: envelope.id, on: connection, logger: logger) else {
                return false
            }
            try await connection.query("""
                INSERT INTO routing.cases
                    (report_id, reference_code, source_event_id, channel, language, received_at, rule, target)
                VALUES (\(report.reportID.uuid), \(report.referenceCode.value), \(envelope.id), \(report.channel.rawValue),
                        \(report.language), \(report.receivedAt), \(Self.placeholderRule), \(Self.placeholderTarget))
                ON CONFLICT (report_id) DO NOTHING
                """, logger: logger)
            return true
        }
        logger.info(recorded ? "case recorded" : "duplicate delivery ignored", metadata: [
            "event_id": "\(envelope.id)", "reference_code": "\(report.referenceCode)",
        ])
    }
}
