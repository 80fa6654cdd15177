import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineRuntime
import Hummingbird

/// A generic relay (Kannel, Jasmin, a RapidPro-style External channel, a modem script):
/// JSON `{id, from, to, text, received_at}` signed with `X-Hotline-Signature: sha256=<hex>`.
struct GenericRelayController: Sendable {
    let sms: InboundSMSHandler
    let configuration: IntakeConfiguration

    func addRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.post("sms", use: inboundSMS)
    }

    struct Body: Decodable {
        var id: String?
        var from: String?
        var to: String?
        var text: String?
        var received_at: String?
    }

    @Sendable func inboundSMS(request: Request, context: HotlineRequestContext) async throws -> Response {
        try StrictBody.requireContentType(request, "application/json")
        let raw = try await StrictBody.collect(request, context: context)
        let bytes = Array(buffer: raw)
        guard let secret = configuration.relaySecret,
              let header = InputLimits.singleHeader(request, "X-Hotline-Signature"),
              WebhookSignature.verifyHMACSHA256(header: header, secret: secret, body: bytes)
        else {
            throw APIError(.forbidden, code: "bad_signature", message: "X-Hotline-Signature does not match the body")
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch {
            throw APIError.badRequest("malformed_json", "body is not the relay's JSON object")
        }
        guard let id = body.id, !id.isEmpty else { throw APIError.badRequest("missing_field", "id is required") }
        _ = try InputLimits.id(id, field: "id")
        try InputLimits.rejectNUL(body.from, body.to, body.text, body.received_at, id, field: "the relay's fields")
        if let receivedAt = body.received_at, Timestamp.parse(receivedAt) == nil {
            throw APIError.badRequest("bad_date", "received_at must be an RFC 3339 timestamp")
        }
        _ = try await sms.accept(key: InboundKey(channel: .genericSMS, messageID: id), from: body.from, text: body.text, logger: context.logger)
        return try JSONResponse.make(status: .ok, ["status": "accepted", "id": id])
    }
}
