import Foundation
import HTTPTypes
import HotlineRuntime
import Hummingbird
import HotlineTestSupport
import HummingbirdTesting
import IntakeService
import Logging
import NIOCore
import PostgresNIO
import RoutingService
import Testing

/// The operator/partner report endpoint and the walking skeleton, against PostgreSQL and the broker.
/// Serialized: the bad-input tests compare whole-table row counts.
@Suite("Intake reports endpoint", .serialized)
struct ReportsEndpointTests {
    let logger = TestEnvironment.logger

    func count(_ sql: String, _ client: PostgresClient) async throws -> Int {
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) {
            return value
        }
        return 0
    }

    func json(_ body: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }

    @Test("a valid report is committed with its outbox event before 201 is answered")
    func acceptsReport() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            let key = try await IntakeHarness.apiKey(role: .operator, client: probe)
            try await app.test(.router) { client in
                let text = "Vol de bétail à Djenné cette nuit — ߒߞߏ — سرقة"
                let body = #"{"text":"\#(text)","channel":"sms","language":"fr","location_hint":"Djenné"}"#
                let response = try await client.execute(
                    uri: "/v1/reports", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(key)"],
                    body: ByteBuffer(string: body))
                #expect(response.status == .created)
                let answer = try json(response.body)
                let reportID = try #require(answer["report_id"] as? String)
                #expect((answer["reference_code"] as? String)?.count == 6)
                // The 2xx came after the commit: both rows are already visible to another connection.
                let stored = try await probe.query(
                    "SELECT text FROM intake.reports WHERE report_id = \(UUID(uuidString: reportID)!)", logger: logger
                ).collect().first?.decode(String.self)
                #expect(stored == text, "UTF-8 text stored exactly as received")
                let events = try await count(
                    "SELECT count(*) FROM intake.outbox WHERE convert_from(message_key, 'UTF8') = '\(reportID)'", probe)
                #expect(events == 1)
            }
        }
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var name: String
        var contentType: String
        var body: String
        var status: HTTPResponse.Status
        var code: String
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        .init(name: "malformed JSON", contentType: "application/json", body: #"{"text": "vol"#, status: .badRequest, code: "malformed_json"),
        .init(name: "JSON that is not an object", contentType: "application/json", body: "[1,2]", status: .badRequest, code: "malformed_json"),
        .init(name: "missing text", contentType: "application/json", body: #"{"channel":"sms"}"#, status: .badRequest, code: "missing_field"),
        .init(name: "blank text", contentType: "application/json", body: #"{"text":"   ","channel":"sms"}"#, status: .badRequest, code: "empty_text"),
        .init(name: "text of the wrong type", contentType: "application/json", body: #"{"text":42,"channel":"sms"}"#, status: .badRequest, code: "malformed_json"),
        .init(name: "text over 1,600 characters", contentType: "application/json",
              body: #"{"text":"\#(String(repeating: "é", count: 1_601))","channel":"sms"}"#, status: .contentTooLarge, code: "text_too_long"),
        .init(name: "unknown channel", contentType: "application/json", body: #"{"text":"vol","channel":"fax"}"#, status: .badRequest, code: "unknown_channel"),
        .init(name: "unknown category", contentType: "application/json", body: #"{"text":"vol","category":"weather"}"#, status: .badRequest, code: "unknown_category"),
        .init(name: "unreadable caller number", contentType: "application/json", body: #"{"text":"vol","caller_phone":"not a number"}"#, status: .badRequest, code: "bad_phone_number"),
        .init(name: "anonymous report with a number", contentType: "application/json", body: #"{"text":"vol","caller_phone":"+22376000001","anonymous":true}"#, status: .badRequest, code: "anonymous_with_phone"),
        .init(name: "bad language code", contentType: "application/json", body: #"{"text":"vol","channel":"sms","language":"french!"}"#, status: .badRequest, code: "bad_language"),
        .init(name: "wrong content type", contentType: "text/plain", body: #"{"text":"vol","channel":"sms"}"#, status: .unsupportedMediaType, code: "unsupported_media_type"),
        .init(name: "form instead of JSON", contentType: "application/x-www-form-urlencoded", body: "text=vol&channel=sms", status: .unsupportedMediaType, code: "unsupported_media_type"),
        .init(name: "body over 64 KiB", contentType: "application/json",
              body: #"{"text":"\#(String(repeating: "a", count: 70_000))","channel":"sms"}"#, status: .contentTooLarge, code: "body_too_large"),
    ]

    @Test("bad input gets a clear 4xx with a JSON error and stores nothing", arguments: badInputs)
    func rejectsBadInput(_ input: BadInput) async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            let key = try await IntakeHarness.apiKey(role: .operator, client: probe)
            try await app.test(.router) { client in
                // Other suites write reports concurrently, so look for this request's own text, not at totals.
                let start = Date().addingTimeInterval(-1)
                let text = (try? JSONSerialization.jsonObject(with: Data(input.body.utf8)) as? [String: Any])?["text"] as? String
                let response = try await client.execute(
                    uri: "/v1/reports", method: .post, headers: [.contentType: input.contentType, .authorization: "Bearer \(key)"],
                    body: ByteBuffer(string: input.body))
                #expect(response.status == input.status)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let error = try #require(try json(response.body)["error"] as? [String: Any])
                #expect(error["code"] as? String == input.code)
                #expect((error["message"] as? String)?.isEmpty == false)
                if let text, !text.isEmpty {
                    #expect(try await IntakeHarness.count(probe, "SELECT count(*)::int FROM intake.reports WHERE received_at >= \(start) AND text = \(text)") == 0)
                }
            }
        }
    }

    @Test("operator keys: none is 401, a revoked or wrong one is 401, another role is 403; nothing stored")
    func authentication() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            let coordinator = try await IntakeHarness.apiKey(role: .coordinator, client: probe)
            // Its own text: other suites store reports meanwhile, so a whole-table count could move.
            let text = "vol de moto à Gao \(UUID().uuidString)"
            let body = ByteBuffer(string: #"{"text":"\#(text)"}"#)
            try await app.test(.router) { client in
                for (header, status) in [(nil, HTTPResponse.Status.unauthorized), ("Bearer nope", .unauthorized), ("Basic abc", .unauthorized),
                                         ("Bearer \(coordinator)", .forbidden)] {
                    var headers: HTTPFields = [.contentType: "application/json"]
                    if let header { headers[.authorization] = header }
                    let response = try await client.execute(uri: "/v1/reports", method: .post, headers: headers, body: body)
                    #expect(response.status == status)
                    #expect((try json(response.body)["error"] as? [String: Any])?["code"] != nil)
                }
                #expect(try await IntakeHarness.count(probe, "SELECT count(*)::int FROM intake.reports WHERE text = \(text)") == 0)
            }
        }
    }

    @Test("Idempotency-Key: a retry returns the same report; the same key with another body is refused")
    func operatorIdempotency() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            let key = try await IntakeHarness.apiKey(role: .operator, client: probe)
            try await app.test(.router) { client in
                let idempotencyKey = UUID().uuidString
                var headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(key)"]
                headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey
                let body = #"{"text":"Appel: vol de bétail à Douentza","caller_phone":"+22376554433","category":"theft"}"#
                let first = try await client.execute(uri: "/v1/reports", method: .post, headers: headers, body: ByteBuffer(string: body))
                let second = try await client.execute(uri: "/v1/reports", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(first.status == .created && second.status == .created)
                #expect(try json(first.body)["report_id"] as? String == json(second.body)["report_id"] as? String)
                #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                let other = try await client.execute(
                    uri: "/v1/reports", method: .post, headers: headers, body: ByteBuffer(string: #"{"text":"autre chose"}"#))
                #expect(other.status == .unprocessableContent)
                let id = UUID(uuidString: try #require(try json(first.body)["report_id"] as? String))!
                let stored = try await probe.query(
                    "SELECT reporter_pseudonym, reporter_ciphertext, category_hint FROM intake.reports WHERE report_id = \(id)", logger: logger
                ).collect().first?.decode((String?, String?, String?).self)
                #expect(stored?.0?.count == 64, "the caller is stored as a pseudonym")
                #expect(stored?.1?.contains("554433") == false, "and as ciphertext, never in clear")
                #expect(stored?.2 == "theft")
            }
        }
    }

    @Test("unknown paths and methods are 4xx JSON, never 5xx")
    func unknownRoutes() async throws {
        let app = try IntakeHarness.makeApp()
        try await app.test(.router) { client in
            let missing = try await client.execute(uri: "/v1/inbound/nowhere/sms", method: .post)
            #expect(missing.status == .notFound)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok, "database, broker and start-up work all ready")
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
        }
    }

    @Test("end to end: reports posted to intake are routed over Kafka, each exactly once, with their events and notifications")
    func endToEnd() async throws {
        let intake = try IntakeHarness.makeApp()
        let routing = try buildRoutingApplication(configuration: TestEnvironment.serviceConfiguration("routing"), logger: logger)
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let reportCount = 50
        try await IntakeHarness.seedReferenceData()
        try await withRunningServices([probe, routing]) {
            let key = try await IntakeHarness.apiKey(role: .operator, client: probe)
            try await intake.test(.router) { client in
                var reportIDs: [UUID] = []
                for index in 0..<reportCount {
                    let body = #"{"text":"Rapport de test \#(index): coups de feu près de Gao","language":"fr","caller_phone":"+2237600\#(1000 + index)"}"#
                    let response = try await client.execute(
                        uri: "/v1/reports", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(key)"],
                        body: ByteBuffer(string: body))
                    #expect(response.status == .created)
                    reportIDs.append(UUID(uuidString: try #require(try json(response.body)["report_id"] as? String))!)
                }
                let idList = reportIDs.map { "'\($0.uuidString.lowercased())'" }.joined(separator: ",")
                try await eventually(timeout: .seconds(60), "routing recorded all \(reportCount) reports") {
                    try await count("SELECT count(*) FROM routing.cases WHERE report_id IN (\(idList))", probe) == reportCount
                }
                let distinct = try await count(
                    "SELECT count(DISTINCT report_id) FROM routing.cases WHERE report_id IN (\(idList))", probe)
                #expect(distinct == reportCount, "exactly once per report")
                let attacks = try await count(
                    "SELECT count(*) FROM routing.cases WHERE report_id IN (\(idList)) AND primary_category = 'armed_attack' AND place_code = 'ML-7-GAO-GAO'", probe)
                #expect(attacks == reportCount, "classified and placed")
                try await eventually("routing published every case and its notifications") {
                    try await count("SELECT count(*) FROM routing.outbox o JOIN routing.cases c ON convert_from(o.message_key, 'UTF8') = c.case_id::text WHERE o.topic = 'hotline.cases.routed' AND c.report_id IN (\(idList))", probe) == reportCount
                }
                let acknowledgements = try await count(
                    "SELECT count(*) FROM routing.outbox WHERE topic = 'hotline.notifications.requested' AND convert_from(payload, 'UTF8') LIKE '%reporter.acknowledgement%' AND convert_from(payload, 'UTF8') LIKE '%Rapport de test%'", probe)
                #expect(acknowledgements == 0, "notification requests never carry the report text")
            }
        }
    }
}
