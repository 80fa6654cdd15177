import Foundation
import HTTPTypes
import HotlineRuntime
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import IntakeService
import NIOCore
import Testing

/// The OpenAPI document and the router cannot drift apart: same operations, both ways.
@Suite("Intake OpenAPI document")
struct OpenAPIDocumentTests {
    static func documentedOperations(_ data: Data) throws -> Set<String> {
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        return Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
    }

    static func routedOperations(_ gateways: Set<IntakeConfiguration.Gateway>) throws -> Set<String> {
        let runtime = try ServiceRuntime(
            configuration: TestEnvironment.serviceConfiguration("intake"), schema: .intake, migrations: IntakeMigrations.all,
            logger: TestEnvironment.logger)
        var intake = IntakeConfiguration()
        intake.enabledGateways = gateways
        return try intakeRoutedOperations(runtime: runtime, intake: intake)
    }

    @Test("every documented operation is routed and every route is documented", arguments: [
        Set(IntakeConfiguration.Gateway.allCases), [], [.twilio], [.africastalking, .generic],
    ])
    func documentMatchesRoutes(gateways: Set<IntakeConfiguration.Gateway>) throws {
        let documented = try Self.documentedOperations(try intakeOpenAPIDocument(enabledGateways: gateways))
        let routed = try Self.routedOperations(gateways)
        #expect(documented == routed, "documented only: \(documented.subtracting(routed).sorted()); routed only: \(routed.subtracting(documented).sorted())")
        #expect(documented.contains("POST /v1/reports") && documented.contains("GET /metrics"))
    }

    @Test("GET /openapi.json serves the document, and every documented path answers, never 404 or 5xx")
    func servedDocumentAnswers() async throws {
        let app = try IntakeHarness.makeApp()
        try await app.test(.router) { client in
            let served = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType]?.hasPrefix("application/json") == true)
            let operations = try Self.documentedOperations(Data(buffer: served.body))
            #expect(operations.count == 11)
            for operation in operations.sorted() {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let response = try await client.execute(
                    uri: String(parts[1]), method: HTTPRequest.Method(String(parts[0]))!, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}"))
                #expect(response.status != .notFound && response.status != .methodNotAllowed, "\(operation) answered \(response.status)")
                #expect(response.status.code < 500 || parts[1] == "/readyz", "\(operation) answered \(response.status)")
            }
            // What an operator sees opening a webhook URL in a browser.
            let browsed = try await client.execute(uri: "/v1/inbound/africastalking/sms?token=x", method: .get)
            #expect(browsed.status == .methodNotAllowed)
            #expect(browsed.headers[.allow] == "POST")
        }
    }
}
