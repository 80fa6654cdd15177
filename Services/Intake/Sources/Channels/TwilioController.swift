import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineRuntime
import Hummingbird

/// Twilio Programmable Messaging: inbound SMS and status callbacks, both signature-checked.
struct TwilioController: Sendable {
    let sms: InboundSMSHandler
    let repository: any IntakeRepository
    let configuration: IntakeConfiguration

    func addRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.post("sms", use: inboundSMS)
        group.post("status", use: statusCallback)
    }

    static let emptyTwiML = #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#

    @Sendable func inboundSMS(request: Request, context: HotlineRequestContext) async throws -> Response {
        let form = try await verifiedForm(request, context: context)
        // Location fields (FromCity, FromZip, FromState, ToCity…) are never read, stored or forwarded.
        _ = try await sms.accept(key: InboundKey(channel: .twilioSMS, messageID: InputLimits.id(try form.required("MessageSid"), field: "MessageSid")),
                                 from: try form.value("From"), text: try form.value("Body"), logger: context.logger)
        return Self.twiml()
    }

    @Sendable func statusCallback(request: Request, context: HotlineRequestContext) async throws -> Response {
        let form = try await verifiedForm(request, context: context)
        let sid = try InputLimits.id(try form.required("MessageSid"), field: "MessageSid")
        let providerStatus = try form.required("MessageStatus")
        guard let status = Self.statuses[providerStatus] else {
            throw APIError.badRequest("unknown_status", "unknown MessageStatus \(providerStatus)")
        }
        let errorCode = try form.value("ErrorCode").flatMap { $0.isEmpty ? nil : $0 }
        let report = DeliveryStatusReceived(
            provider: "twilio", providerMessageID: sid, providerStatus: providerStatus, status: status,
            failureReason: errorCode.map { "twilio error \($0)" }, errorCode: errorCode, retryCount: nil, networkCode: nil,
            receivedAt: Date())
        _ = try await repository.acceptDeliveryStatus(
            key: InboundKey(channel: .twilioStatus, messageID: "\(sid):\(providerStatus)"), status: report, logger: context.logger)
        return Self.twiml()
    }

    static let statuses: [String: String] = [
        "accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued", "sent": "sent",
        "delivered": "delivered", "read": "delivered", "undelivered": "failed", "failed": "failed", "canceled": "failed",
    ]

    static func twiml() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/xml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: emptyTwiML)))
    }

    /// Checks `X-Twilio-Signature` against the public URL Twilio called; 403 stores nothing.
    private func verifiedForm(_ request: Request, context: HotlineRequestContext) async throws -> FormBody {
        let form = try await FormBody.read(request, context: context)
        guard let token = configuration.twilioAuthToken,
              let signature = InputLimits.singleHeader(request, "X-Twilio-Signature"),
              WebhookSignature.verifyTwilio(signature: signature, authToken: token, url: publicURL(of: request), parameters: form.pairs)
        else {
            throw APIError(.forbidden, code: "bad_signature", message: "X-Twilio-Signature does not match")
        }
        return form
    }

    /// The URL as Twilio saw it: the configured public base URL, or the Host the request names.
    func publicURL(of request: Request) -> String {
        let pathAndQuery = request.uri.string
        if let base = configuration.publicBaseURL { return base + pathAndQuery }
        let scheme = request.headers[.init("X-Forwarded-Proto")!] ?? "http"
        let host = request.head.authority ?? "localhost"
        return "\(scheme)://\(host)\(pathAndQuery)"
    }
}
