import Foundation
import HotlineDomain
import HotlineFakeGateway
import HotlineKafka
import HotlinePrivacy
import HotlineStorage
import HotlineTestSupport
import PostgresNIO
@testable import NotificationService
import Testing

extension NotificationServiceTests {
    @Test("STOP twice: one confirmation, in the reporter's last language; afterwards nothing is sent to that number")
    func optOut() async throws {
        try await withReporterWhoHeardOnce { gateway, probe, producer, phone, sender in
            let commandIDs = ["sms:\(UUID().uuidString)", "sms:\(UUID().uuidString)"]
            var eventIDs: [String] = []
            for commandID in commandIDs {
                eventIDs.append(try await Self.publish(.optOut, commandID: commandID, from: sender, producer))
            }
            try await NotificationHarness.waitFor("opt-out:\(commandIDs[0])", ["sent"], probe, timeout: .seconds(60))
            let consumed = eventIDs
            try await eventually("both STOPs consumed") {
                try await probe.query("SELECT 1 FROM notification.inbox WHERE event_id = ANY(\(consumed))", logger: logger).collect().count == 2
            }
            let later = try NotificationHarness.request(to: phone, template: "reporter.status_update",
                                                        parameters: ["reference_code": "7KQ2ZX", "state": "resolved"])
            try await NotificationHarness.store([later], client: probe)
            try await NotificationHarness.waitFor(later.notificationID, ["suppressed"], probe)
            #expect(try await NotificationHarness.status("opt-out:\(commandIDs[1])", probe) == nil, "one confirmation only")
            let received = gateway.received(to: phone.e164)
            #expect(received.count == 2, "the acknowledgement before, the confirmation, nothing after")
            #expect(received.last?.text.hasPrefix("You will receive no more SMS") == true, "confirmed in English, the last language used")
            let suppressed = try await NotificationHarness.statusEvents(try #require(try await probe.query(
                "SELECT notification_id FROM notification.notifications WHERE status = 'suppressed' AND recipient_pseudonym = \(sender.pseudonym)",
                logger: logger).decode(String.self).all().first), probe)
            #expect(suppressed.map(\.status) == [.queued, .suppressed])
        }
    }

    @Test("START lifts a STOP once, confirmed in the reporter's language; START without a STOP sends nothing")
    func optIn() async throws {
        let stranger = try NotificationHarness.protector.protect(NotificationHarness.phone())
        try await withReporterWhoHeardOnce { gateway, probe, producer, phone, sender in
            let stop = "sms:\(UUID().uuidString)", start = "sms:\(UUID().uuidString)", again = "sms:\(UUID().uuidString)"
            let strangerStart = "sms:\(UUID().uuidString)"
            // One sender's commands share a partition, so they are applied in the order sent.
            _ = try await Self.publish(.optOut, commandID: stop, from: sender, producer)
            _ = try await Self.publish(.optIn, commandID: start, from: sender, producer)
            let lastEvent = try await Self.publish(.optIn, commandID: again, from: sender, producer)
            let strangerEvent = try await Self.publish(.optIn, commandID: strangerStart, from: stranger, producer)
            try await NotificationHarness.waitFor("opt-in:\(start)", ["sent"], probe, timeout: .seconds(60))
            try await eventually("the second START and the stranger's START consumed") {
                try await probe.query("SELECT 1 FROM notification.inbox WHERE event_id = ANY(\([lastEvent, strangerEvent]))",
                                      logger: logger).collect().count == 2
            }
            #expect(try await NotificationHarness.status("opt-in:\(again)", probe) == nil, "one confirmation per STOP")
            #expect(try await NotificationHarness.status("opt-in:\(strangerStart)", probe) == nil, "START without a STOP sends nothing")
            let later = try NotificationHarness.request(to: phone, template: "reporter.status_update",
                                                        parameters: ["reference_code": "7KQ2ZX", "state": "resolved"])
            try await NotificationHarness.store([later], client: probe)
            try await NotificationHarness.waitFor(later.notificationID, ["sent"], probe)

            // STOP, START, STOP in one consumer batch: the person ends opted out, so the START's
            // confirmation is suppressed while both STOPs are confirmed.
            let store = RequestStore(postgres: probe, log: StatusLog(outbox: Outbox(schema: .notification), instance: "test"),
                                     sendWindow: SendWindow(window: nil, defaultTimeZone: "Africa/Bamako"), defaultLanguage: "fr")
            let flip = try NotificationHarness.protector.protect(NotificationHarness.phone())
            let flips = (0..<3).map { _ in "sms:\(UUID().uuidString)" }
            try await probe.inTransaction(logger: logger) { connection in
                for (index, kind) in [CommandReceived.Kind.optOut, .optIn, .optOut].enumerated() {
                    let command = CommandReceived(commandID: flips[index], kind: kind, sender: flip, channel: .sms, receivedAt: Date())
                    let stored = kind == .optOut
                        ? try await store.optOut(command, eventID: UUID().uuidString, on: connection, logger: logger)
                        : try await store.optIn(command, eventID: UUID().uuidString, on: connection, logger: logger)
                    #expect(stored, "\(kind) changed nothing")
                }
            }
            try await NotificationHarness.waitFor("opt-in:\(flips[1])", ["suppressed"], probe)
            try await NotificationHarness.waitFor("opt-out:\(flips[2])", ["sent"], probe)
            let texts = gateway.received(to: phone.e164).map(\.text)
            #expect(texts.count == 4, "acknowledgement, STOP and START confirmations, the update: \(texts)")
            // Both confirmations are urgent and may reach the gateway in either order.
            #expect(texts.contains { $0.hasSuffix("Send START to receive them again.") }, "the STOP confirmation says how to undo it")
            #expect(texts.contains { $0.hasPrefix("You will receive SMS from the hotline again") }, "START confirmed in English")
        }
    }

    /// Runs `body` against the notification service over a fake gateway, once a fresh number has
    /// been sent one acknowledgement in English (the language its confirmations must follow).
    private func withReporterWhoHeardOnce(
        _ body: @escaping @Sendable (FakeGateway, PostgresClient, KafkaProducer, PhoneNumber, ProtectedPhone) async throws -> Void
    ) async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
        let phone = NotificationHarness.phone()
        let sender = try NotificationHarness.protector.protect(phone)
        let earlier = try NotificationHarness.request(to: phone, language: "en")
        try await withRunningServices([probe, producer, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            let app = try NotificationHarness.app(NotificationHarness.configuration(.africastalking, gateway: gateway))
            try await withRunningServices([app]) {
                try await NotificationHarness.store([earlier], client: probe)
                try await NotificationHarness.waitFor(earlier.notificationID, ["sent"], probe)
                try await producer.createTopics([TopicSpecification(name: Topic.commandsReceived, partitions: 3)])
                try await body(gateway, probe, producer, phone, sender)
            }
        }
    }

    /// Publishes a command as intake would, keyed by the sender; returns its event id.
    private static func publish(_ kind: CommandReceived.Kind, commandID: String, from sender: ProtectedPhone,
                                _ producer: KafkaProducer) async throws -> String {
        let command = CommandReceived(commandID: commandID, kind: kind, sender: sender, channel: .sms, receivedAt: Date())
        let envelope = EventEnvelope(source: "/hotline/intake", type: CommandReceived.eventType, data: command)
        try await producer.send(KafkaProducerMessage(topic: Topic.commandsReceived, key: sender.pseudonym, value: try EventCoding.encode(envelope)))
        return envelope.id
    }
}
