import Foundation
import HotlineDomain
import HotlineFakeGateway
import HotlineKafka
import HotlinePrivacy
import HotlineTestSupport
@testable import NotificationService
import Testing

extension NotificationServiceTests {
    @Test("STOP twice: one confirmation, in the reporter's last language; afterwards nothing is sent to that number")
    func optOut() async throws {
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
                let commandIDs = ["sms:\(UUID().uuidString)", "sms:\(UUID().uuidString)"]
                var eventIDs: [String] = []
                for commandID in commandIDs {
                    let command = CommandReceived(commandID: commandID, kind: .optOut, sender: sender, channel: .sms, receivedAt: Date())
                    let envelope = EventEnvelope(source: "/hotline/intake", type: CommandReceived.eventType, data: command)
                    eventIDs.append(envelope.id)
                    try await producer.send(KafkaProducerMessage(topic: Topic.commandsReceived, key: sender.pseudonym, value: try EventCoding.encode(envelope)))
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
            }
            let received = gateway.received(to: phone.e164)
            #expect(received.count == 2, "the acknowledgement before, the confirmation, nothing after")
            #expect(received.last?.text.hasPrefix("You will receive no more SMS") == true, "confirmed in English, the last language used")
            let suppressed = try await NotificationHarness.statusEvents(try #require(try await probe.query(
                "SELECT notification_id FROM notification.notifications WHERE status = 'suppressed' AND recipient_pseudonym = \(sender.pseudonym)",
                logger: logger).decode(String.self).all().first), probe)
            #expect(suppressed.map(\.status) == [.queued, .suppressed])
        }
    }
}
