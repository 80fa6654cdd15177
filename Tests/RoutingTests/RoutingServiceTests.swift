import Foundation
import HotlineDomain
import HotlineKafka
import HotlinePrivacy
import HotlineReference
import HotlineStorage
import HotlineTestSupport
import PostgresNIO
import RoutingService
import Testing

/// The routing service against PostgreSQL and the broker: decisions, events, idempotency.
@Suite("Routing service")
struct RoutingServiceTests {
    let logger = TestEnvironment.logger

    func seed() async throws {
        let client = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([client]) {
            let store = ReferenceStore(postgres: client)
            try await store.migrate(logger: logger)
            try await store.replaceAll(try ReferenceSet.load(
                directory: TestEnvironment.repositoryRoot + "/reference", protector: PIIProtector(keyring: .development),
                defaultCountryCode: "223"), logger: logger)
        }
    }

    func envelope(_ text: String, hint: String? = nil) throws -> (EventEnvelope<ReportReceived>, KafkaProducerMessage) {
        let reporter = try PIIProtector(keyring: .development).protect(PhoneNumber.normalise("+22376\(Int.random(in: 100_000...999_999))", defaultCountryCode: "223")!)
        let report = ReportReceived(reportID: ReportID(), referenceCode: .random(), channel: .sms, language: "fr", text: text,
                                    locationHint: hint, receivedAt: Date(), reporter: reporter)
        let envelope = EventEnvelope(source: "/test", type: ReportReceived.eventType, data: report)
        return (envelope, KafkaProducerMessage(topic: Topic.reportsReceived, key: report.reportID.description, value: try EventCoding.encode(envelope)))
    }

    func rows(_ client: PostgresClient, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }

    @Test("a complaint against the police in Gao goes to Gao's college as lead with regional oversight; redelivery changes nothing")
    func securityForcesComplaintAndRedelivery() async throws {
        try await seed()
        let routing = try buildRoutingApplication(configuration: TestEnvironment.serviceConfiguration("routing"), logger: logger)
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
        let (event, message) = try envelope("Les policiers du poste de controle de Gao nous rackettent chaque jour")
        let gbv = try envelope("Une femme battue par son mari à Ansongo, elle a peur")
        try await withRunningServices([probe, producer, routing]) {
            try await producer.createTopics([TopicSpecification(name: Topic.reportsReceived, partitions: 3)])
            // The same event three times, as a crashed relay or consumer would redeliver it.
            for _ in 0..<3 { try await producer.send(message) }
            // And a second event for the same report, with an id of its own: still one case.
            let again = EventEnvelope(source: "/test", type: ReportReceived.eventType, data: event.data)
            #expect(again.id != event.id)
            try await producer.send(KafkaProducerMessage(topic: Topic.reportsReceived, key: message.key, value: try EventCoding.encode(again)))
            try await producer.send(gbv.1)
            let code = event.data.referenceCode.value
            try await eventually("both cases routed") {
                // Until routing's start-up migrations ran, routing.cases does not exist yet: not routed.
                (try? await rows(probe, "SELECT 1 FROM routing.cases WHERE reference_code IN (\(code), \(gbv.0.data.referenceCode.value))"))?.count == 2
            }
            let targets = try await rows(probe, """
                SELECT t.target_code, t.role FROM routing.case_targets t JOIN routing.cases c USING (case_id)
                WHERE c.reference_code = \(code) ORDER BY t.target_code
                """).map { try $0.decode((String, String).self) }
            #expect(targets.contains { $0 == ("COL-ML-7-GAO", "lead") })
            #expect(targets.contains { $0 == ("OVS-ML-7", "oversight") })
            #expect(targets.contains { $0 == ("CSC-ML-7-GAO-GAO", "informed") })
            let caseRow = try #require(try await rows(probe, "SELECT case_id, rule, rule_reason FROM routing.cases WHERE reference_code = \(code)").first)
            let (caseID, rule, why) = try caseRow.decode((UUID, String, String).self)
            #expect(rule == "security-forces-college")
            #expect(why.contains("security_forces_misconduct"), "every decision says why")

            try await eventually("events and notification requests are in the outbox") {
                try await rows(probe, "SELECT 1 FROM routing.outbox WHERE convert_from(payload, 'UTF8') LIKE \("%\(caseID.uuidString.lowercased())%")").count > 2
            }
            let routedEvents = try await rows(probe, "SELECT 1 FROM routing.outbox WHERE topic = 'hotline.cases.routed' AND convert_from(message_key, 'UTF8') = \(caseID.uuidString.lowercased())")
            #expect(routedEvents.count == 1, "four deliveries of two events, one case, one routed event")
            let requests = try await rows(probe, """
                SELECT convert_from(payload, 'UTF8') FROM routing.outbox
                WHERE topic = 'hotline.notifications.requested' AND convert_from(payload, 'UTF8') LIKE \("%\(caseID.uuidString.lowercased())%")
                """).map { try $0.decode(String.self) }
            #expect(requests.filter { $0.contains("reporter.acknowledgement") }.count == 1)
            #expect(requests.filter { $0.contains("member.case_alert") }.count >= 3, "college members, oversight focal point, committee chair")
            #expect(Set(requests).count == requests.count)

            // The GBV case: its text is in no event, and the informed committee learns only that it exists.
            let gbvCode = gbv.0.data.referenceCode.value
            let gbvCase = try #require(try await rows(probe, "SELECT case_id, text_restricted FROM routing.cases WHERE reference_code = \(gbvCode)").first)
            let (gbvCaseID, restricted) = try gbvCase.decode((UUID, Bool).self)
            #expect(restricted)
            try await eventually("the GBV case's events are in the outbox") {
                try await rows(probe, "SELECT 1 FROM routing.outbox WHERE convert_from(payload, 'UTF8') LIKE \("%\(gbvCaseID.uuidString.lowercased())%")").count > 1
            }
            let gbvPayloads = try await rows(probe, "SELECT convert_from(payload, 'UTF8') FROM routing.outbox WHERE convert_from(payload, 'UTF8') LIKE \("%\(gbvCaseID.uuidString.lowercased())%")")
                .map { try $0.decode(String.self) }
            #expect(!gbvPayloads.contains { $0.contains("battue") }, "no GBV text leaves routing")
            #expect(gbvPayloads.contains { $0.contains("member.case_exists") })
        }
    }
}
