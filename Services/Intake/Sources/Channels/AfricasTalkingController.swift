import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineRuntime
import Hummingbird

/// Africa's Talking: inbound SMS, delivery reports and USSD.
///
/// Africa's Talking signs nothing, so each callback must carry the operator's secret token
/// (`?token=…`) and, when configured, come from an allowed network.
struct AfricasTalkingController: Sendable {
    let sms: InboundSMSHandler
    let repository: any IntakeRepository
    let configuration: IntakeConfiguration
    let ussd: USSDController

    func addRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.post("sms", use: inboundSMS)
        group.post("delivery", use: deliveryReport)
        group.post("ussd", use: ussdSession)
    }

    @Sendable func inboundSMS(request: Request, context: HotlineRequestContext) async throws -> Response {
        try authorise(request, context: context)
        let form = try await FormBody.read(request, context: context)
        let id = try InputLimits.id(try form.required("id"), field: "id")
        if let date = try form.value("date"), !date.isEmpty, AfricasTalkingDate.parse(date) == nil {
            throw APIError.badRequest("bad_date", "date must look like 2006-01-02T15:04:05Z or 2006-01-02 15:04:05")
        }
        _ = try await sms.accept(key: InboundKey(channel: .africasTalkingSMS, messageID: id),
                                 from: try form.value("from"), text: try form.value("text"), logger: context.logger)
        return JSONResponse.accepted()
    }

    @Sendable func deliveryReport(request: Request, context: HotlineRequestContext) async throws -> Response {
        try authorise(request, context: context)
        let form = try await FormBody.read(request, context: context)
        let id = try InputLimits.id(try form.required("id"), field: "id")
        let providerStatus = try form.required("status")
        guard let status = Self.statuses[providerStatus] else {
            throw APIError.badRequest("unknown_status", "status must be one of \(Self.statuses.keys.sorted().joined(separator: ", "))")
        }
        let retryCount = try form.value("retryCount").flatMap { Int($0) }
        // The recipient's number (phoneNumber) is dropped here: the message id is what matches.
        let report = DeliveryStatusReceived(
            provider: "africastalking", providerMessageID: id, providerStatus: providerStatus, status: status,
            failureReason: try form.value("failureReason").flatMap { $0.isEmpty ? nil : $0 }, errorCode: nil,
            retryCount: retryCount, networkCode: try form.value("networkCode"), receivedAt: Date())
        _ = try await repository.acceptDeliveryStatus(
            key: InboundKey(channel: .africasTalkingDelivery, messageID: "\(id):\(providerStatus):\(retryCount ?? 0)"),
            status: report, logger: context.logger)
        return JSONResponse.accepted()
    }

    @Sendable func ussdSession(request: Request, context: HotlineRequestContext) async throws -> Response {
        try authorise(request, context: context)
        let form = try await FormBody.read(request, context: context)
        let reply = try await ussd.handle(
            sessionID: try InputLimits.id(try form.required("sessionId"), field: "sessionId"), phoneNumber: try form.required("phoneNumber"),
            text: try form.value("text") ?? "", logger: context.logger)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: reply)))
    }

    static let statuses: [String: String] = [
        "Sent": "sent", "Submitted": "sent", "Buffered": "queued", "Rejected": "failed", "Success": "delivered", "Failed": "failed",
    ]

    private func authorise(_ request: Request, context: HotlineRequestContext) throws {
        guard let expected = configuration.africasTalkingToken,
              // One token value: `?token=wrong&token=right` is ambiguous, whichever one is read.
              let given = Array(Set(request.uri.queryParameters.getAll("token"))).onlyElement,
              WebhookSignature.constantTimeEquals(Array(given.utf8), Array(expected.utf8))
        else {
            throw APIError(.forbidden, code: "bad_token", message: "missing or wrong webhook token")
        }
        if !configuration.africasTalkingAllowedNetworks.isEmpty {
            let source = SourceAddress.resolve(request, context: context, trustedProxies: configuration.trustedProxies)
            guard let source, configuration.africasTalkingAllowedNetworks.contains(where: { $0.contains(source) }) else {
                throw APIError(.forbidden, code: "source_not_allowed", message: "this source network may not call this endpoint")
            }
        }
    }
}

enum AfricasTalkingDate {
    /// Africa's Talking sends `2006-01-02T15:04:05Z` or `2006-01-02 15:04:05` (UTC).
    static func parse(_ text: String) -> Date? {
        var text = text
        // The space-separated shape by arithmetic: Foundation's style first failed on it, then parsed a rewritten copy.
        if text.utf8.count == 19, let civil = text.withUTF8({ CivilTime(dateAndTime: $0, separator: UInt8(ascii: " ")) }) {
            return civil.date
        }
        if text.utf8.count == 20, let civil = CivilTime(rfc3339UTC: text) { return civil.date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text.replacingOccurrences(of: " ", with: "T") + "Z", strategy: .iso8601)
    }
}

/// The caller's address: the peer itself, or the last hop before a trusted proxy.
enum SourceAddress {
    static func resolve(_ request: Request, context: HotlineRequestContext, trustedProxies: [IPNetwork]) -> [UInt8]? {
        guard let peer = IPNetwork.bytes(of: context.remoteAddress) else { return nil }
        guard trustedProxies.contains(where: { $0.contains(peer) }), let forwarded = request.headers[.init("X-Forwarded-For")!] else {
            return peer
        }
        // Walk from the nearest hop back, skipping our own proxies.
        for hop in forwarded.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).reversed() {
            guard let address = IPNetwork.parse(hop) else { return nil }
            if !trustedProxies.contains(where: { $0.contains(address) }) { return address }
        }
        return peer
    }
}

extension Array {
    /// The element of a one-element array; nil when there are none or several.
    var onlyElement: Element? { count == 1 ? first : nil }
}
