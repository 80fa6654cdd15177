import Foundation
import HotlineConcurrency
import HotlineDomain
import HotlineKafka
import HotlineStorage
import Logging
import PostgresNIO

/// Everything the service consumes, on one consumer group:
/// - `hotline.notifications.requested`: each request is stored once (its id is the key) before
///   the offset commits; sending is the dispatcher's job;
/// - `hotline.commands.received`: opt-outs are recorded and confirmed once; other commands are
///   for accountability;
/// - `hotline.notifications.status`: gateway delivery reports forwarded by intake update the
///   history; this service's own status events on the same topic are skipped.
struct NotificationEventHandler: Sendable {
    let postgres: PostgresClient
    let requests: RequestStore
    /// Rung once new messages are committed, so idle dispatchers claim them without waiting out a poll.
    let doorbell: Doorbell
    let logger: Logger

    /// A record this service acts on, decoded.
    enum Event: Sendable {
        case request(NotificationRequested, eventID: String)
        case optOut(CommandReceived, eventID: String)
        case optIn(CommandReceived, eventID: String)
        case deliveryReport(DeliveryStatusReceived, eventID: String)
    }

    func handle(_ message: KafkaConsumerMessage) async throws {
        guard let event = try event(in: message) else { return }
        try await postgres.inTransaction(logger: logger) { connection in
            try await apply(event, on: connection)
        }
        doorbell.ring()
    }

    /// One partition's records in one transaction: one commit instead of one per record.
    func handle(lane messages: [KafkaConsumerMessage]) async throws {
        let events = try messages.compactMap(event(in:))
        guard !events.isEmpty else { return }
        let requests = events.compactMap { event -> (request: NotificationRequested, eventID: String)? in
            if case .request(let request, let eventID) = event { (request, eventID) } else { nil }
        }
        try await postgres.inTransaction(logger: logger) { connection in
            // A lane is one partition of one topic: requests only, or none.
            guard requests.count == events.count else {
                for event in events { try await apply(event, on: connection) }
                return
            }
            let stored = try await self.requests.accept(requests, on: connection, logger: logger)
            for ((request, _), stored) in zip(requests, stored) { logQueued(request, stored: stored) }
        }
        doorbell.ring()
    }

    private func logQueued(_ request: NotificationRequested, stored: Bool) {
        logger.info(stored ? "notification queued" : "duplicate notification request ignored", metadata: [
            "notification_id": "\(request.notificationID)", "template": "\(request.template)", "priority": "\(request.priority.rawValue)",
        ])
    }

    func event(in message: KafkaConsumerMessage) throws -> Event? {
        // The outbox's type header says what a record is without parsing its JSON: this service's own
        // status events share their topic with forwarded delivery reports and outnumber them, and
        // a record it acts on is then parsed once, not once for its type and again for its data.
        let headerType = message.headers.first(where: { $0.key == "ce_type" })?.stringValue
        if message.topic == Topic.notificationStatus, let headerType, headerType != DeliveryStatusReceived.eventType {
            return nil
        }
        let type: String
        if let headerType {
            type = headerType
        } else {
            do {
                type = try EventCoding.header(from: message.value).type
            } catch {
                throw PermanentHandlerError("undecodable \(message.topic) record: \(error)")
            }
        }
        switch (message.topic, type) {
        case (Topic.notificationsRequested, NotificationRequested.eventType):
            let envelope = try decode(NotificationRequested.self, message)
            return .request(envelope.data, eventID: envelope.id)
        case (Topic.notificationsRequested, _):
            throw PermanentHandlerError("unsupported event type \(type)")
        case (Topic.commandsReceived, CommandReceived.eventType):
            let envelope = try decode(CommandReceived.self, message)
            switch envelope.data.kind {
            case .optOut: return .optOut(envelope.data, eventID: envelope.id)
            case .optIn: return .optIn(envelope.data, eventID: envelope.id)
            case .reporterCommand, .responderCommand: return nil
            }
        case (Topic.notificationStatus, DeliveryStatusReceived.eventType):
            let envelope = try decode(DeliveryStatusReceived.self, message)
            return .deliveryReport(envelope.data, eventID: envelope.id)
        default:
            return nil  // our own status events, and anything not meant for us
        }
    }

    private func apply(_ event: Event, on connection: PostgresConnection) async throws {
        switch event {
        case .request(let request, let eventID):
            logQueued(request, stored: try await requests.accept(request, eventID: eventID, on: connection, logger: logger))
        case .optOut(let command, let eventID):
            let recorded = try await requests.optOut(command, eventID: eventID, on: connection, logger: logger)
            logger.info(recorded ? "opt-out recorded; confirmation queued" : "repeated opt-out ignored", metadata: [
                "command_id": "\(command.commandID)",
            ])
        case .optIn(let command, let eventID):
            let recorded = try await requests.optIn(command, eventID: eventID, on: connection, logger: logger)
            logger.info(recorded ? "opt-in recorded; confirmation queued" : "opt-in without an opt-out ignored", metadata: [
                "command_id": "\(command.commandID)",
            ])
        case .deliveryReport(let report, let eventID):
            try await requests.applyDeliveryReport(report, eventID: eventID, on: connection, logger: logger)
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
