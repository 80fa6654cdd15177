import Foundation
import HotlineDomain
import HotlineKafka
import HotlineStorage
import Logging
import Metrics
import PostgresNIO

/// Loads the three warehouse topics into the star schema, one record per transaction.
///
/// Idempotent on the envelope id: the id goes into the loader's inbox in the same transaction
/// as the rows, so a redelivery or a replay from offset 0 finds it and changes nothing. Beyond
/// that, every fact is keyed by a natural key (case and sequence, notification, answer) and every
/// derived column (a case's milestones, a notification's outcome) is recomputed from the facts
/// already loaded, so the result does not depend on the order the topics are read in.
public struct WarehouseLoader: Sendable {
    public let postgres: PostgresClient
    public let schemas: WarehouseSchemas
    let logger: Logger

    public init(postgres: PostgresClient, schemas: WarehouseSchemas = .production, logger: Logger) {
        self.postgres = postgres
        self.schemas = schemas
        self.logger = logger
    }

    public enum Outcome: String, Sendable {
        case loaded, duplicate, ignored
    }

    /// The consumer worker's handler. Returns what became of the record (for tests and logs).
    @discardableResult
    public func handle(_ message: KafkaConsumerMessage) async throws -> Outcome {
        let header: EventHeader
        do {
            header = try EventCoding.header(from: message.value)
        } catch {
            throw PermanentHandlerError("\(message.topic) record is not a CloudEvents envelope: \(error)")
        }
        let cases = CaseFacts(schemas: schemas, logger: logger)
        let notifications = NotificationFacts(schemas: schemas, logger: logger)
        let outcome: Outcome
        switch header.type {
        case CaseRouted.eventType:
            let routed = try decode(CaseRouted.self, message).data
            outcome = try await load(header) { try await cases.load(routed, on: $0) }
        case CaseEventRecorded.eventType:
            let event = try decode(CaseEventRecorded.self, message).data
            outcome = try await load(header) { try await cases.load(event, on: $0) }
        case SurveyAnswered.eventType:
            let answer = try decode(SurveyAnswered.self, message).data
            outcome = try await load(header) { try await cases.load(answer, on: $0) }
        case NotificationStatusChanged.eventType:
            let status = try decode(NotificationStatusChanged.self, message).data
            outcome = try await load(header) { try await notifications.load(status, eventID: header.id, on: $0) }
        case DeliveryStatusReceived.eventType:
            let report = try decode(DeliveryStatusReceived.self, message).data
            outcome = try await load(header) { try await notifications.load(report, eventID: header.id, on: $0) }
        default:
            // Types the warehouse does not analyse (and newer versions it does not know yet).
            outcome = .ignored
        }
        Counter(label: "hotline_warehouse_records_total", dimensions: [("type", header.type), ("outcome", outcome.rawValue)]).increment()
        if outcome == .duplicate {
            logger.debug("event already loaded", metadata: ["event_id": "\(header.id)", "type": "\(header.type)"])
        }
        return outcome
    }

    private func load(_ header: EventHeader, _ body: (PostgresConnection) async throws -> Void) async throws -> Outcome {
        let inbox = Inbox(schema: schemas.loader, consumer: "warehouse")
        return try await postgres.inTransaction(logger: logger) { connection -> Outcome in
            guard try await inbox.markProcessed(eventID: header.id, on: connection, logger: logger) else { return .duplicate }
            try await body(connection)
            return .loaded
        }
    }

    private func decode<P: Codable & Sendable>(_ type: P.Type, _ message: KafkaConsumerMessage) throws -> EventEnvelope<P> {
        do {
            return try EventCoding.decode(type, from: message.value)
        } catch {
            throw PermanentHandlerError("undecodable \(message.topic) record: \(error)")
        }
    }
}

extension PostgresConnection {
    /// The first column of the first row, or nil.
    func single<T: PostgresDecodable & Sendable>(_ type: T.Type, _ query: PostgresQuery, logger: Logger) async throws -> T? {
        for try await value in try await self.query(query, logger: logger).decode(T.self) { return value }
        return nil
    }

    /// Waits for, and holds until the transaction ends, an advisory lock named `name`.
    func lock(_ name: String, logger: Logger) async throws {
        try await query("SELECT pg_advisory_xact_lock(hashtext(\(name)))", logger: logger)
    }
}
