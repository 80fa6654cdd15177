import Foundation
import HotlineDomain
import HotlineKafka
import HotlineStorage
import Logging

/// Everything the service consumes, on one consumer group:
/// - `hotline.notifications.requested`: each request is stored once (its id is the key) before
///   the offset commits; sending is the dispatcher's job;
/// - `hotline.commands.received`: opt-outs are recorded and confirmed once; other commands are
///   for accountability;
/// - `hotline.notifications.status`: gateway delivery reports forwarded by intake update the
///   history; this service's own status events on the same topic are skipped.
struct NotificationEventHandler: Sendable {
    let requests: RequestStore
    let logger: Logger

    func handle(_ message: KafkaConsumerMessage) async throws {
        // This service's own status events share the topic with forwarded delivery reports and
        // outnumber them; the outbox's type header lets them pass without parsing any JSON.
        if message.topic == Topic.notificationStatus,
           let type = message.headers.first(where: { $0.key == "ce_type" })?.stringValue,
           type != DeliveryStatusReceived.eventType {
            return
        }
        let header: EventHeader
        do {
            header = try EventCoding.header(from: message.value)
        } catch {
            throw PermanentHandlerError("undecodable \(message.topic) record: \(error)")
        }
        switch (message.topic, header.type) {
        case (Topic.notificationsRequested, NotificationRequested.eventType):
            let request = try decode(NotificationRequested.self, message).data
            let stored = try await requests.accept(request, eventID: header.id, logger: logger)
            logger.info(stored ? "notification queued" : "duplicate notification request ignored", metadata: [
                "notification_id": "\(request.notificationID)", "template": "\(request.template)", "priority": "\(request.priority.rawValue)",
            ])
        case (Topic.notificationsRequested, _):
            throw PermanentHandlerError("unsupported event type \(header.type)")
        case (Topic.commandsReceived, CommandReceived.eventType):
            let command = try decode(CommandReceived.self, message).data
            guard command.kind == .optOut else { return }
            let recorded = try await requests.optOut(command, eventID: header.id, logger: logger)
            logger.info(recorded ? "opt-out recorded; confirmation queued" : "repeated opt-out ignored", metadata: [
                "command_id": "\(command.commandID)",
            ])
        case (Topic.notificationStatus, DeliveryStatusReceived.eventType):
            let report = try decode(DeliveryStatusReceived.self, message).data
            try await requests.applyDeliveryReport(report, eventID: header.id, logger: logger)
        default:
            return  // our own status events, and anything not meant for us
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
