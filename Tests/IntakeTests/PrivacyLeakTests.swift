import Foundation
import HTTPTypes
import HotlineDomain
import HotlineKafka
import HotlinePrivacy
import HotlineRuntime
import HotlineStorage
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import IntakeService
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import Testing

/// Drives every channel with known numbers, then reads every Kafka record and log line.
@Suite("No clear phone number leaves intake")
struct PrivacyLeakTests {
    @Test("every Kafka record and every log line of a full channel run is free of the reporters' numbers")
    func noClearNumbers() async throws {
        let capture = LogCapture()
        let logger = capture.logger(label: "intake")
        let app = try IntakeHarness.makeApp(logger: logger)
        let probe = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        let phones = (0..<7).map { _ in IntakeHarness.uniquePhone() }
        let token = GatewayChannelTests.atToken

        try await withRunningServices([probe]) {
            let key = try await IntakeHarness.apiKey(role: .operator, client: probe)
            try await IntakeHarness.seedReference(client: probe)
            try await app.test(.router) { client in
                let sms = [("from", phones[0].e164), ("to", "20123"), ("text", "Vol à Gao"), ("id", UUID().uuidString)]
                _ = try await client.execute(uri: "/v1/inbound/africastalking/sms?token=\(token)", method: .post, headers: IntakeHarness.formHeaders, body: IntakeHarness.form(sms))
                let command = [("from", phones[1].e164), ("text", "ETAT 7KQ2ZX"), ("id", UUID().uuidString)]
                _ = try await client.execute(uri: "/v1/inbound/africastalking/sms?token=\(token)", method: .post, headers: IntakeHarness.formHeaders, body: IntakeHarness.form(command))
                let delivery = [("id", UUID().uuidString), ("status", "Success"), ("phoneNumber", phones[2].e164)]
                _ = try await client.execute(uri: "/v1/inbound/africastalking/delivery?token=\(token)", method: .post, headers: IntakeHarness.formHeaders, body: IntakeHarness.form(delivery))
                let session = UUID().uuidString
                for text in ["", "1", "1", "1", "1", "0", "1"] {
                    _ = try await client.execute(uri: "/v1/inbound/africastalking/ussd?token=\(token)", method: .post, headers: IntakeHarness.formHeaders,
                                                 body: IntakeHarness.form([("sessionId", session), ("phoneNumber", phones[3].e164), ("text", text)]))
                }
                let twilio = [("MessageSid", "SM\(UUID().uuidString)"), ("From", phones[4].e164), ("To", "+22320201234"), ("Body", "attaque à Ménaka")]
                var headers = IntakeHarness.formHeaders
                headers[HTTPField.Name("X-Twilio-Signature")!] = WebhookSignature.twilio(
                    authToken: GatewayChannelTests.twilioToken, url: IntakeHarness.publicBaseURL + "/v1/inbound/twilio/sms", parameters: twilio)
                _ = try await client.execute(uri: "/v1/inbound/twilio/sms", method: .post, headers: headers, body: IntakeHarness.form(twilio))
                let relay = #"{"id":"\#(UUID().uuidString)","from":"\#(phones[5].e164)","to":"20123","text":"STOP"}"#
                var relayHeaders: HTTPFields = [.contentType: "application/json"]
                relayHeaders[HTTPField.Name("X-Hotline-Signature")!] = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: GatewayChannelTests.relaySecret, body: Array(relay.utf8))
                _ = try await client.execute(uri: "/v1/inbound/generic/sms", method: .post, headers: relayHeaders, body: ByteBuffer(string: relay))
                let report = #"{"text":"Appel: menaces à Djibo","caller_phone":"\#(phones[6].e164)"}"#
                _ = try await client.execute(uri: "/v1/reports", method: .post,
                                             headers: [.contentType: "application/json", .authorization: "Bearer \(key)"], body: ByteBuffer(string: report))

                // The relay publishes everything intake committed.
                try await eventually("intake's outbox drained to Kafka") {
                    try await Outbox(schema: .intake).backlog(client: probe, logger: TestEnvironment.logger) == 0
                }
            }
        }

        // Read every record the run produced on the topics intake writes.
        let consumer = try KafkaConsumer(
            configuration: .init(client: TestEnvironment.kafkaClient, groupID: TestEnvironment.uniqueName("leak-check"),
                                 topics: [Topic.reportsReceived, Topic.commandsReceived, Topic.notificationStatus]),
            logger: TestEnvironment.logger)
        let records = NIOLockedValueBox<[KafkaConsumerMessage]>([])
        try await withRunningServices([consumer]) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await record in consumer.messages { records.withLockedValue { $0.append(record) } }
                }
                try await eventually(timeout: .seconds(60), "records from all three topics") {
                    Set(records.withLockedValue { $0.map(\.topic) }).count == 3
                }
                // Let the tail arrive: stop once nothing new came for a second.
                var last = -1
                while last != records.withLockedValue({ $0.count }) {
                    last = records.withLockedValue { $0.count }
                    try await Task.sleep(for: .seconds(1))
                }
                group.cancelAll()
            }
        }
        let kafkaText = records.withLockedValue { $0 }.map { record in
            String(decoding: record.key + record.value + record.headers.flatMap { Array($0.key.utf8) + $0.value }, as: UTF8.self)
        }
        let logLines = capture.all
        #expect(kafkaText.count >= 7, "the run produced records: \(kafkaText.count)")
        #expect(logLines.count >= 7, "the run produced log lines: \(logLines.count)")
        for phone in phones {
            for needle in [phone.e164, phone.national, String(phone.e164.dropFirst())] {
                #expect(!kafkaText.contains { $0.contains(needle) }, "a Kafka record contains \(needle)")
                #expect(!logLines.contains { $0.contains(needle) }, "a log line contains \(needle)")
            }
        }
        #expect(!logLines.contains { $0.contains(token) }, "the webhook token never reaches the logs")
    }
}
