import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A local stand-in for Africa's Talking and Twilio, on 127.0.0.1 and a random port, for tests
/// and staging. It answers in each gateway's shape, records every request it receives, and can
/// be told to fail, be slow, answer 429, or refuse an opted-out recipient.
package final class FakeGateway: Sendable {
    package enum Behaviour: Sendable, Equatable {
        case succeed
        /// Records the message, then waits this long before answering success.
        case slow(Duration)
        /// An HTTP error status with the gateway's error body (5xx retriable, 4xx permanent).
        case fail(status: Int)
        case tooManyRequests(retryAfterSeconds: Int?)
        /// Twilio 21610 / Africa's Talking UserInBlacklist.
        case optedOut
        /// Twilio 21211 / Africa's Talking InvalidPhoneNumber: a permanent refusal.
        case invalidNumber
    }

    package struct Received: Sendable, Equatable {
        package var provider: String
        package var to: String
        package var from: String?
        package var text: String
        package var fields: [String: String]
        package var authorization: String?
        package var apiKey: String?
        /// Answered (or, when slow, about to answer) success: the message counts as sent.
        package var accepted: Bool
        package var messageID: String?
        package var at: Date
    }

    private struct State {
        var port: Int?
        var script: [Behaviour] = []
        var scriptByRecipient: [String: [Behaviour]] = [:]
        var defaultBehaviour: Behaviour = .succeed
        var received: [Received] = []
        var lookups = 0
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    // MARK: Control and inspection

    /// The next requests get these behaviours, in order; then the default applies again.
    package func script(_ behaviours: [Behaviour]) { state.withLockedValue { $0.script += behaviours } }
    /// Requests to this recipient get these behaviours, in order, before any other script.
    package func script(for recipient: String, _ behaviours: [Behaviour]) {
        state.withLockedValue { $0.scriptByRecipient[recipient, default: []] += behaviours }
    }
    package func received(to recipient: String) -> [Received] { received.filter { $0.to == recipient } }
    package func setDefault(_ behaviour: Behaviour) { state.withLockedValue { $0.defaultBehaviour = behaviour } }
    package var received: [Received] { state.withLockedValue { $0.received } }
    package var accepted: [Received] { received.filter(\.accepted) }
    package var lookups: Int { state.withLockedValue { $0.lookups } }
    package var port: Int? { state.withLockedValue { $0.port } }
    package var baseURL: String { "http://127.0.0.1:\(port ?? 0)" }

    private func nextBehaviour(to recipient: String) -> Behaviour {
        state.withLockedValue { state in
            if var own = state.scriptByRecipient[recipient], !own.isEmpty {
                let next = own.removeFirst()
                state.scriptByRecipient[recipient] = own
                return next
            }
            return state.script.isEmpty ? state.defaultBehaviour : state.script.removeFirst()
        }
    }

    private func record(_ received: Received) { state.withLockedValue { $0.received.append(received) } }

    // MARK: Server

    /// The HTTP server, to run in a service group; `port` is set once it listens.
    package func makeService() -> some Service {
        let router = Router()
        router.post("/version1/messaging") { request, _ in try await self.africasTalking(request) }
        router.post("/2010-04-01/Accounts/:account/Messages.json") { request, _ in try await self.twilioCreate(request) }
        router.get("/2010-04-01/Accounts/:account/Messages.json") { request, _ in self.twilioList(request) }
        router.get("/2010-04-01/Accounts/:account/Messages/:file") { _, context in
            self.twilioFetch(sid: String((context.parameters.get("file") ?? "").dropLast(".json".count)))
        }
        var configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "fake-gateway")
        configuration.reuseAddress = true
        return Application(router: router, configuration: configuration, onServerRunning: { channel in
            self.state.withLockedValue { $0.port = channel.localAddress?.port }
        })
    }

    private func africasTalking(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        let behaviour = nextBehaviour(to: form["to"] ?? "")
        let id = "ATXid_\(UUID().uuidString.lowercased())"
        let succeeds = behaviour == .succeed || { if case .slow = behaviour { true } else { false } }()
        record(Received(provider: "africastalking", to: form["to"] ?? "", from: form["from"], text: form["message"] ?? "", fields: form,
                        authorization: nil, apiKey: request.headers[.init("apiKey")!], accepted: succeeds, messageID: succeeds ? id : nil,
                        at: Date()))
        func recipients(_ status: String, _ code: Int, _ messageID: String) -> Response {
            Self.json(201, """
                {"SMSMessageData":{"Message":"Sent to \(status == "Success" ? 1 : 0)/1 Total Cost: XOF 25","Recipients":[\
                {"statusCode":\(code),"number":"\(form["to"] ?? "")","status":"\(status)","cost":"XOF 25","messageId":"\(messageID)"}]}}
                """)
        }
        switch behaviour {
        case .succeed: return recipients("Success", 101, id)
        case .slow(let delay):
            try await Task.sleep(for: delay)
            return recipients("Success", 101, id)
        case .fail(let status): return Self.json(status, "{\"error\":\"fake failure \(status)\"}")
        case .tooManyRequests(let after): return Self.json(429, "Too Many Requests", retryAfter: after)
        case .optedOut: return recipients("UserInBlacklist", 406, "None")
        case .invalidNumber: return recipients("InvalidPhoneNumber", 403, "None")
        }
    }

    private func twilioCreate(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        let behaviour = nextBehaviour(to: form["To"] ?? "")
        let sid = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let succeeds = behaviour == .succeed || { if case .slow = behaviour { true } else { false } }()
        record(Received(provider: "twilio", to: form["To"] ?? "", from: form["From"] ?? form["MessagingServiceSid"], text: form["Body"] ?? "",
                        fields: form, authorization: request.headers[.authorization], apiKey: nil, accepted: succeeds,
                        messageID: succeeds ? sid : nil, at: Date()))
        func error(_ status: Int, _ code: Int, _ message: String) -> Response {
            Self.json(status, #"{"code":\#(code),"message":"\#(message)","more_info":"https://www.twilio.com/docs/errors/\#(code)","status":\#(status)}"#)
        }
        switch behaviour {
        case .succeed: return Self.json(201, Self.twilioMessage(sid: sid, to: form["To"] ?? "", body: form["Body"] ?? "", status: "queued"))
        case .slow(let delay):
            try await Task.sleep(for: delay)
            return Self.json(201, Self.twilioMessage(sid: sid, to: form["To"] ?? "", body: form["Body"] ?? "", status: "queued"))
        case .fail(let status): return error(status, status >= 500 ? 20500 : 21606, "fake failure")
        case .tooManyRequests(let after):
            var response = error(429, 20429, "Too Many Requests")
            if let after { response.headers[.retryAfter] = String(after) }
            return response
        case .optedOut: return error(400, 21610, "Attempt to send to unsubscribed recipient")
        case .invalidNumber: return error(400, 21211, "The 'To' number \(form["To"] ?? "") is not a valid phone number.")
        }
    }

    /// As Twilio lists: newest first, `PageSize` per page, `next_page_uri` until the list ends.
    private func twilioList(_ request: Request) -> Response {
        state.withLockedValue { $0.lookups += 1 }
        let query = request.uri.queryParameters
        let to = query["To"].map(String.init)
        let size = max(1, min(1000, query["PageSize"].flatMap { Int(String($0)) } ?? 50))
        let page = query["Page"].flatMap { Int(String($0)) } ?? 0
        let newestFirst = Array(accepted.filter { $0.provider == "twilio" && (to == nil || $0.to == to) }.reversed())
        let messages = newestFirst.dropFirst(page * size).prefix(size)
            .map { Self.twilioMessage(sid: $0.messageID ?? "", to: $0.to, body: $0.text, status: "sent") }
        var next = "null"
        if (page + 1) * size < newestFirst.count {
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "To", value: to), URLQueryItem(name: "PageSize", value: String(size)),
                                     URLQueryItem(name: "Page", value: String(page + 1))].filter { $0.value != nil }
            next = "\"\(request.uri.path)?\((components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B"))\""
        }
        return Self.json(200, #"{"messages":[\#(messages.joined(separator: ","))],"page":\#(page),"page_size":\#(size),"next_page_uri":\#(next)}"#)
    }

    private func twilioFetch(sid: String) -> Response {
        state.withLockedValue { $0.lookups += 1 }
        guard let message = accepted.first(where: { $0.messageID == sid }) else {
            return Self.json(404, #"{"code":20404,"message":"The requested resource was not found","status":404}"#)
        }
        return Self.json(200, Self.twilioMessage(sid: sid, to: message.to, body: message.text, status: "delivered"))
    }

    // MARK: Helpers

    static func twilioMessage(sid: String, to: String, body: String, status: String) -> String {
        let object: [String: Any] = ["sid": sid, "to": to, "body": body, "status": status, "num_segments": "1", "direction": "outbound-api"]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ status: Int, _ body: String, retryAfter: Int? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return decodeForm(String(buffer: buffer))
    }

    package static func decodeForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
