import Foundation
import HotlineRuntime
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Methods a path does not serve")
struct MethodNotAllowedTests {
    @Test("a known path asked with another method gets 405, Allow and a JSON error; an unknown path still gets 404")
    func methodNotAllowed() async throws {
        let router = Router(context: HotlineRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        router.post("/v1/inbound/sms") { _, _ in "ok" }
        router.get("/v1/cases/:code") { _, _ in "case" }
        router.patch("/v1/cases/:code") { _, _ in "changed" }
        router.answerMethodNotAllowed()
        try await Application(router: router).test(.router) { client in
            let wrong = try await client.execute(uri: "/v1/inbound/sms", method: .get)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "POST")
            let body = try JSONSerialization.jsonObject(with: Data(buffer: wrong.body)) as? [String: [String: String]]
            #expect(body?["error"]?["code"] == "method_not_allowed")
            let captured = try await client.execute(uri: "/v1/cases/7KQ2ZX", method: .delete)
            #expect(captured.status == .methodNotAllowed)
            #expect(captured.headers[.allow] == "GET, PATCH")
            #expect(try await client.execute(uri: "/v1/inbound/sms", method: .post).status == .ok, "the served method is untouched")
            #expect(try await client.execute(uri: "/v1/cases/7KQ2ZX", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/nothing", method: .get).status == .notFound)
        }
    }
}
