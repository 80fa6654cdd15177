import Foundation
import HotlineDomain
import HotlineFakeGateway
import HotlineKafka
import HotlinePrivacy
import HotlineStorage
import HotlineTestSupport
@testable import NotificationService
import PostgresNIO
import Testing

/// The notification service against PostgreSQL, the broker and the fake gateway. Serialized:
/// instances of the service share one table and one consumer group, so one test runs at a time.
/// (Tests in other targets may publish requests meanwhile; assertions here look only at the
/// numbers each test made up.)
@Suite("Notification service", .serialized)
struct NotificationServiceTests {
    let logger = NotificationHarness.logger

    @Test("Africa's Talking: success, permanent refusal, retriable failure then success, retries exhausted; nothing leaks")
    func africasTalkingPaths() async throws {
        let capture = LogCapture()
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let phones = (0..<4).map { _ in NotificationHarness.phone() }
        gateway.script(for: phones[1].e164, [.invalidNumber])
        gateway.script(for: phones[2].e164, [.fail(status: 500)])
        gateway.script(for: phones[3].e164, [.tooManyRequests(retryAfterSeconds: nil), .fail(status: 502), .fail(status: 503)])
        let requests = try phones.map { try NotificationHarness.request(to: $0) }
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            let app = try NotificationHarness.app(NotificationHarness.configuration(.africastalking, gateway: gateway),
                                                  logger: capture.logger(label: "notification"))
            try await withRunningServices([app]) {
                try await NotificationHarness.store(requests, client: probe)
                for request in requests { try await NotificationHarness.waitFor(request.notificationID, ["sent", "failed"], probe) }
            }
            let outcomes = try await requests.asyncMap { try await NotificationHarness.status($0.notificationID, probe)! }
            #expect(outcomes[0].status == "sent" && outcomes[0].attempts == 1)
            #expect(outcomes[1].status == "failed" && outcomes[1].attempts == 1, "a permanent refusal is not retried")
            #expect(outcomes[1].reason?.contains("InvalidPhoneNumber") == true)
            #expect(outcomes[2].status == "sent" && outcomes[2].attempts == 2, "a 500 is retried")
            #expect(outcomes[3].status == "failed" && outcomes[3].attempts == 3)
            #expect(outcomes[3].reason?.contains("attempts exhausted (3)") == true, "\(outcomes[3].reason ?? "")")
            #expect(phones.map { gateway.received(to: $0.e164).count } == [1, 1, 2, 3])

            let first = try #require(gateway.received(to: phones[0].e164).first)
            #expect(first.fields["username"] == "hotline")
            #expect(first.apiKey == "test-at-api-key")
            #expect(first.from == "20123")
            #expect(first.text.hasPrefix("Merci. Votre signalement est enregistré sous le code \(requests[0].referenceCode!.value)"))

            let events = try await NotificationHarness.statusEvents(requests[2].notificationID, probe)
            #expect(events.map(\.status) == [.queued, .queued, .sent])
            #expect(events.last?.providerMessageID == gateway.received(to: phones[2].e164).last?.messageID)
            #expect(events.first?.attempt == 0 && events.last?.attempt == 2)
            #expect(events.last?.encoding == "gsm7" && events.last?.segments == 1)
            #expect(try await NotificationHarness.history(requests[1].notificationID, probe) == ["queued", "sending", "failed"])

            // No clear number in the service's logs, tables or status events.
            let tables = try await probe.query("""
                SELECT coalesce(string_agg(t::text, ' '), '') FROM (
                    SELECT row_to_json(n)::text AS t FROM notification.notifications n
                    UNION ALL SELECT row_to_json(h)::text FROM notification.history h
                    UNION ALL SELECT convert_from(payload, 'UTF8') FROM notification.outbox) everything
                """, logger: logger).decode(String.self).all().joined()
            let lines = capture.all
            #expect(lines.contains { $0.contains("sms sent") })
            for phone in phones {
                for needle in [phone.e164, String(phone.e164.suffix(8)), String(phone.e164.dropFirst())] {
                    #expect(!tables.contains(needle), "a notification table holds \(needle)")
                    #expect(!lines.contains { $0.contains(needle) }, "a log line holds \(needle)")
                }
            }
        }
    }

    @Test("Twilio: basic auth and StatusCallback, 429 then success, permanent 21211, opt-out 21610 then suppressed; delivery report matched")
    func twilioPaths() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
        let phones = (0..<4).map { _ in NotificationHarness.phone() }
        gateway.script(for: phones[1].e164, [.tooManyRequests(retryAfterSeconds: nil)])
        gateway.script(for: phones[2].e164, [.invalidNumber])
        gateway.script(for: phones[3].e164, [.optedOut])
        let requests = try phones.map { try NotificationHarness.request(to: $0, language: "ar") }
        try await withRunningServices([probe, producer, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            let app = try NotificationHarness.app(NotificationHarness.configuration(.twilio, gateway: gateway))
            try await withRunningServices([app]) {
                try await NotificationHarness.store(requests, client: probe)
                for request in requests { try await NotificationHarness.waitFor(request.notificationID, ["sent", "failed"], probe) }
                let outcomes = try await requests.asyncMap { try await NotificationHarness.status($0.notificationID, probe)! }
                #expect(outcomes.map(\.status) == ["sent", "sent", "failed", "failed"])
                #expect(outcomes[1].attempts == 2, "429 is retried")
                #expect(outcomes[2].reason?.contains("21211") == true)
                #expect(outcomes[2].reason?.contains(phones[2].e164) == false, "Twilio's message names the number; it is masked")
                #expect(outcomes[3].reason?.contains("opted out") == true)

                let first = try #require(gateway.received(to: phones[0].e164).first)
                #expect(first.authorization == "Basic " + Data("ACtest:test-twilio-token".utf8).base64EncodedString())
                #expect(first.fields["From"] == "+15005550006")
                #expect(first.fields["StatusCallback"] == "https://hotline.example.org/v1/inbound/twilio/status")
                #expect(first.text.contains(requests[0].referenceCode!.value))
                #expect(SMSEncoding.analyse(first.text).alphabet == .ucs2, "Arabic goes as UCS-2")

                // After 21610 the number is opted out: the next message to it is suppressed, not sent.
                let later = try NotificationHarness.request(to: phones[3], template: "reporter.status_update",
                                                            parameters: ["reference_code": "7KQ2ZX", "state": "resolved"])
                try await NotificationHarness.store([later], client: probe)
                try await NotificationHarness.waitFor(later.notificationID, ["suppressed"], probe)
                #expect(gateway.received(to: phones[3].e164).count == 1)

                // Intake forwards Twilio's status callback; it is matched by the message SID.
                let sid = try #require(first.messageID)
                let report = DeliveryStatusReceived(provider: "twilio", providerMessageID: sid, providerStatus: "delivered", status: "delivered",
                                                    failureReason: nil, errorCode: nil, retryCount: nil, networkCode: nil, receivedAt: Date())
                let envelope = EventEnvelope(source: "/hotline/intake", type: DeliveryStatusReceived.eventType, data: report)
                try await producer.createTopics([TopicSpecification(name: Topic.notificationStatus, partitions: 3)])
                for _ in 0..<2 {
                    try await producer.send(KafkaProducerMessage(topic: Topic.notificationStatus, key: sid, value: try EventCoding.encode(envelope)))
                }
                try await NotificationHarness.waitFor(requests[0].notificationID, ["delivered"], probe, timeout: .seconds(60))
                let events = try await NotificationHarness.statusEvents(requests[0].notificationID, probe)
                #expect(events.map(\.status) == [.queued, .sent, .delivered], "the report applied once though delivered twice")
                #expect(events.allSatisfy { $0.language == "ar" && $0.template == "reporter.acknowledgement" })
            }
        }
    }

    @Test("the log provider records sent with a redacted line, so the run command needs no gateway account")
    func logProvider() async throws {
        let capture = LogCapture()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let phone = NotificationHarness.phone()
        let request = try NotificationHarness.request(to: phone, language: "en")
        try await withRunningServices([probe]) {
            try await NotificationHarness.prepare(probe)
            var configuration = NotificationHarness.configuration(.log, gateway: FakeGateway())
            configuration.provider = .log
            let app = try NotificationHarness.app(configuration, logger: capture.logger(label: "notification"))
            try await withRunningServices([app]) {
                try await NotificationHarness.store([request], client: probe)
                try await NotificationHarness.waitFor(request.notificationID, ["sent"], probe)
            }
        }
        let line = try #require(capture.all.first { $0.contains("sms sent (log provider)") })
        #expect(line.contains("to=[redacted]") && line.contains("segments=1") && line.contains("encoding=gsm7"))
        #expect(!capture.all.contains { $0.contains(phone.e164) || $0.contains(String(phone.e164.suffix(8))) })
        #expect(!capture.all.contains { $0.contains("Thank you") }, "the text is not logged")
    }

    @Test("quiet hours hold routine messages until morning in the recipient's zone; urgent ones go at once")
    func quietHours() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let (routinePhone, urgentPhone, onDutyPhone, offDutyPhone) =
            (NotificationHarness.phone(), NotificationHarness.phone(), NotificationHarness.phone(), NotificationHarness.phone())
        var routineRequest = try NotificationHarness.request(to: routinePhone)
        routineRequest.timeZone = "Africa/Niamey"
        let routine = routineRequest
        let urgent = try NotificationHarness.request(to: urgentPhone, template: "member.case_alert", parameters: [
            "reference_code": "7KQ2ZX", "role": "lead", "target": "CSC-ML-5", "category": "armed_attack", "place": "Sévaré", "priority": "urgent",
        ], priority: .urgent, audience: "member")
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            var configuration = NotificationHarness.configuration(.africastalking, gateway: gateway)
            // A window around the present moment in Niamey.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Africa/Niamey")!
            let now = calendar.dateComponents([.hour, .minute], from: Date())
            let minute = (now.hour! * 60 + now.minute!)
            configuration.quietHours = DailyWindow(start: (minute + 24 * 60 - 60) % (24 * 60), end: (minute + 120) % (24 * 60))
            let policy = SendWindow(window: configuration.quietHours, defaultTimeZone: "Africa/Bamako")
            // Two committees' alerts: one sits now (its hours replace the quiet hours), one only from three hours on.
            func hours(from start: Int, to end: Int) -> String {
                DailyWindow(start: (minute + 24 * 60 + start) % (24 * 60), end: (minute + 24 * 60 + end) % (24 * 60)).description
            }
            func alert(to phone: PhoneNumber, activeHours: String) throws -> NotificationRequested {
                var request = try NotificationHarness.request(to: phone, template: "member.case_alert", parameters: [
                    "reference_code": "7KQ2ZX", "role": "lead", "target": "CSC-ML-5", "category": "theft", "place": "Sévaré",
                    "priority": "normal",
                ], priority: .routine, audience: "member")
                request.timeZone = "Africa/Niamey"
                request.activeHours = activeHours
                return request
            }
            let onDuty = try alert(to: onDutyPhone, activeHours: hours(from: -30, to: 240))
            let offDuty = try alert(to: offDutyPhone, activeHours: hours(from: 180, to: 600))
            let app = try NotificationHarness.app(configuration)
            try await withRunningServices([app]) {
                let store = RequestStore(postgres: probe, log: StatusLog(outbox: Outbox(schema: .notification), instance: "test"),
                                         sendWindow: policy,
                                         defaultLanguage: "fr")
                try await store.accept(routine, eventID: UUID().uuidString, logger: logger)
                try await store.accept(urgent, eventID: UUID().uuidString, logger: logger)
                try await store.accept(onDuty, eventID: UUID().uuidString, logger: logger)
                try await store.accept(offDuty, eventID: UUID().uuidString, logger: logger)
                try await NotificationHarness.waitFor(urgent.notificationID, ["sent"], probe)
                try await NotificationHarness.waitFor(onDuty.notificationID, ["sent"], probe)
            }
            let held = try await probe.query("""
                SELECT status, not_before > now() + interval '100 minutes' FROM notification.notifications WHERE notification_id = \(routine.notificationID)
                """, logger: logger).decode((String, Bool).self).all()
            #expect(held.first?.0 == "queued" && held.first?.1 == true, "routine message waits for the end of quiet hours")
            #expect(gateway.received(to: routinePhone.e164).isEmpty)
            let offDutyHeld = try await probe.query("""
                SELECT n.status, n.not_before > now() + interval '170 minutes', h.reason FROM notification.notifications n
                JOIN notification.history h USING (notification_id) WHERE n.notification_id = \(offDuty.notificationID)
                """, logger: logger).decode((String, Bool, String?).self).all()
            #expect(offDutyHeld.first?.0 == "queued" && offDutyHeld.first?.1 == true, "an alert waits for its committee's hours")
            #expect(offDutyHeld.first?.2?.contains("outside the target's active hours") == true, "\(offDutyHeld)")
            #expect(gateway.received(to: offDutyPhone.e164).isEmpty)
            #expect(gateway.received(to: onDutyPhone.e164).count == 1, "a committee on duty is reached inside the quiet hours")
            let alert = try #require(gateway.received(to: urgentPhone.e164).first)
            #expect(alert.text.contains("attaque armée") && alert.text.contains("Sévaré"), "member alerts carry category (in words) and place: \(alert.text)")
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
