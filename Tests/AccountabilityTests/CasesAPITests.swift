import AccountabilityService
import Foundation
import HTTPTypes
import HotlineDomain
import HotlineKafka
import HotlineRuntime
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// The running service: cases arrive over Kafka, coordinators see and act within their scope.
@Suite("Accountability service and coordinators' API", .serialized)
struct CasesAPITests {
    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test("routed events over Kafka open cases; scope, GBV restriction, pagination, actions, hearings and the printable record")
    func coordinatorsAPI() async throws {
        let client = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: TestEnvironment.logger)
        try await withRunningServices([client, producer]) {
            try await AccountabilityHarness.prepare(client)
            let harness = AccountabilityHarness(client: client)
            let access = AccessStore(postgres: client)
            let mopti = try await access.createKey(role: .coordinator, label: "Mopti region", scope: ["ML-5"], logger: TestEnvironment.logger).key
            let segou = try await access.createKey(role: .coordinator, label: "Ségou region", scope: ["ML-4"], logger: TestEnvironment.logger).key
            let partner = try await access.createKey(role: .coordinator, label: "GBV partner", scope: ["ML-5"], target: "GBV-ML-5",
                                                     logger: TestEnvironment.logger).key
            let operatorKey = try await access.createKey(role: .operator, label: "operator", logger: TestEnvironment.logger).key

            let plain = (0..<3).map { _ in harness.routed(reporter: AccountabilityHarness.randomReporter().phone) }
            let gbv = harness.routed(category: .genderBasedViolence, reporter: AccountabilityHarness.randomReporter().phone, restricted: true)
            try await producer.createTopics([TopicSpecification(name: Topic.casesRouted, partitions: 3)])
            for event in plain + [gbv] {
                try await producer.send(KafkaProducerMessage(topic: Topic.casesRouted, key: event.data.caseID.uuidString,
                                                             value: try EventCoding.encode(event)))
            }

            var settings = AccountabilitySettings()
            settings.schedulerInterval = .seconds(3_600)
            let app = try buildAccountabilityApplication(
                configuration: TestEnvironment.serviceConfiguration("accountability"), settings: settings, clock: SystemCaseClock(),
                logger: TestEnvironment.logger)
            try await app.test(.live) { http in
                try await eventually("cases opened from hotline.cases.routed") {
                    try await client.query("""
                        SELECT 1 FROM accountability.cases WHERE case_id = ANY(\((plain + [gbv]).map(\.data.caseID)))
                        """, logger: TestEnvironment.logger).collect().count == 4
                }
                func get(_ uri: String, _ key: String) async throws -> TestResponse {
                    try await http.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(key)"])
                }
                let code = plain[0].data.referenceCode.value

                #expect(try await get("/v1/cases", operatorKey).status == .forbidden)
                #expect(try await http.execute(uri: "/v1/cases", method: .get).status == .unauthorized)
                #expect(try await get("/v1/cases/\(code)", segou).status == .notFound, "outside Ségou's jurisdiction reads as unknown")
                #expect(try await get("/v1/cases/\(gbv.data.referenceCode.value)", mopti).status == .notFound, "GBV hidden from the committee's coordinator")
                let gbvForPartner = try await get("/v1/cases/\(gbv.data.referenceCode.value)", partner)
                #expect(gbvForPartner.status == .ok)

                // Pagination walks every visible case once, never a GBV case for the regional key.
                var seen: [String] = []
                var uri = "/v1/cases?limit=2&state=routed&place=ML-5-MOP-SEV"
                for _ in 0..<1_000 {
                    let page = try json(try await get(uri, mopti).body)
                    seen += (page["cases"] as? [[String: Any]] ?? []).compactMap { $0["reference_code"] as? String }
                    guard let next = page["next"] as? String else { break }
                    uri = "/v1/cases?limit=2&state=routed&place=ML-5-MOP-SEV&after=\(next)"
                }
                #expect(Set(seen).count == seen.count, "no case twice across pages")
                #expect(Set(plain.map(\.data.referenceCode.value)).isSubset(of: Set(seen)))
                #expect(!seen.contains(gbv.data.referenceCode.value))
                #expect(try await get("/v1/cases?limit=0", mopti).status == .badRequest)
                #expect(try await get("/v1/cases?state=lost", mopti).status == .badRequest)

                func post(_ path: String, _ key: String, _ body: String) async throws -> TestResponse {
                    try await http.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                           body: ByteBuffer(string: body))
                }
                #expect(try await post("/v1/cases/\(code)/actions", segou, #"{"action":"acknowledge"}"#).status == .notFound)
                let illegal = try await post("/v1/cases/\(code)/actions", mopti, #"{"action":"resolve","text":"fait"}"#)
                #expect(illegal.status == .conflict)
                #expect(try json(illegal.body)["error"] as? String == "illegal_transition" || String(buffer: illegal.body).contains("illegal_transition"))
                #expect(try await post("/v1/cases/\(code)/actions", mopti, #"{"action":"fly"}"#).status == .badRequest)
                #expect(try await post("/v1/cases/\(code)/actions", mopti, "{not json").status == .badRequest)
                #expect(try await post("/v1/cases/\(code)/actions", mopti, #"{"action":"acknowledge"}"#).status == .ok)
                #expect(try await post("/v1/cases/\(code)/actions", mopti, #"{"action":"refer","target":"COL-ML-5-DJE"}"#).status == .ok)
                #expect(try await post("/v1/cases/\(code)/actions", mopti, #"{"action":"acknowledge"}"#).status == .ok)

                let hearing = #"{"college":"COL-ML-5-DJE","heldOn":"2026-11-20","parties":[{"party":"plaignant","accepted":true},{"party":"poste de police","accepted":false}],"decision":"restitution du bétail"}"#
                #expect(try await post("/v1/cases/\(code)/hearings", mopti, hearing).status == .created)
                #expect(try await post("/v1/cases/\(code)/hearings", mopti, #"{"college":"CSC-ML-5","heldOn":"2026-11-20","parties":[],"decision":""}"#).status == .unprocessableContent)

                let detail = try json(try await get("/v1/cases/\(code)", mopti).body)
                #expect(detail["state"] as? String == "acknowledged")
                #expect(detail["owner"] as? String == "COL-ML-5-DJE")
                #expect(detail["chain_intact"] as? Bool == true)
                let history = detail["history"] as? [[String: Any]] ?? []
                #expect(history.map { $0["kind"] as? String } == ["routed", "transition", "referred", "referral_accepted", "hearing"])

                let html = try await get("/v1/cases/\(code)/record", mopti)
                #expect(html.headers[.contentType]?.hasPrefix("text/html") == true)
                let page = String(buffer: html.body)
                #expect(page.contains("restitution du bétail") && page.contains(detail["audit_hash"] as! String) && page.contains("intact"))
                let text = String(buffer: try await get("/v1/cases/\(code)/record?format=text", mopti).body)
                #expect(text.contains("poste de police: did not accept"))
                #expect(text.contains("Audit hash (head of chain): \(detail["audit_hash"] as! String)"))
            }
        }
    }
}
