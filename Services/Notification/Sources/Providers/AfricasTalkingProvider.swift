import AsyncHTTPClient
import Foundation

/// Africa's Talking bulk SMS: `POST {base}/version1/messaging`, form fields `username`, `to`,
/// `message` and optionally `from`, header `apiKey`. Success is
/// `SMSMessageData.Recipients[0].status == "Success"`, with the id in `messageId`.
///
/// Africa's Talking has no API to look a sent message up, so a message whose outcome was not
/// recorded stays `unknown` rather than being sent twice.
public struct AfricasTalkingProvider: SMSProvider {
    public let name = "africastalking"
    public let configuration: NotificationConfiguration.AfricasTalking
    let http: GatewayHTTP

    public init(configuration: NotificationConfiguration.AfricasTalking, client: HTTPClient, timeout: Duration) {
        self.configuration = configuration
        self.http = GatewayHTTP(client: client, timeout: timeout)
    }

    public var sender: String { configuration.senderID ?? "default" }

    public func send(_ sms: OutboundSMS) async throws -> ProviderReceipt {
        let response = try await http.post(
            configuration.baseURL + "/version1/messaging",
            headers: [("apiKey", configuration.apiKey), ("Accept", "application/json")],
            form: Self.form(sms, configuration: configuration))
        return try Self.parseSendResponse(response).get()
    }

    public func lookup(_ sms: OutboundSMS, providerMessageID: String?) async throws -> ProviderLookup { .unsupported }

    static func form(_ sms: OutboundSMS, configuration: NotificationConfiguration.AfricasTalking) -> [(String, String)] {
        var form = [("username", configuration.username), ("to", sms.to), ("message", sms.text)]
        if let from = configuration.senderID { form.append(("from", from)) }
        return form
    }

    /// Per-recipient status codes that a later attempt may cure.
    static let retriableStatusCodes: Set<Int> = [405, 500, 501, 502]  // InsufficientBalance, InternalServerError, GatewayError, RejectedByGateway
    static let optedOutStatusCodes: Set<Int> = [406, 409]  // UserInBlacklist, DoNotDisturbRejection

    static func parseSendResponse(_ response: GatewayResponse) -> Result<ProviderReceipt, ProviderError> {
        if response.isRetriableStatus {
            return .failure(ProviderError(code: .retriable, reason: "http_\(response.status)",
                                          detail: "Africa's Talking answered HTTP \(response.status)", retryAfter: response.retryAfter))
        }
        guard (200...299).contains(response.status) else {
            return .failure(ProviderError(code: .permanent, reason: "http_\(response.status)",
                                          detail: "Africa's Talking answered HTTP \(response.status): \(response.redactedText)"))
        }
        guard let data = response.json()?["SMSMessageData"] as? [String: Any] else {
            return .failure(ProviderError(code: .ambiguous, reason: "unreadable_answer", detail: "no SMSMessageData in the answer"))
        }
        guard let recipient = (data["Recipients"] as? [[String: Any]])?.first else {
            // An empty Recipients list: the whole request was refused (e.g. InvalidPhoneNumber in Message).
            let message = Redaction.maskNumbers(data["Message"] as? String ?? "no recipients")
            return .failure(ProviderError(code: .permanent, reason: "no_recipient", detail: "Africa's Talking: \(message)"))
        }
        let status = recipient["status"] as? String ?? "unknown"
        let statusCode = (recipient["statusCode"] as? Int) ?? Int(recipient["statusCode"] as? String ?? "") ?? 0
        if status == "Success", let id = recipient["messageId"] as? String, !id.isEmpty, id != "None" {
            return .success(ProviderReceipt(providerMessageID: id, providerStatus: status))
        }
        let code: ProviderError.Code = optedOutStatusCodes.contains(statusCode) ? .optedOut
            : retriableStatusCodes.contains(statusCode) ? .retriable : .permanent
        return .failure(ProviderError(code: code, reason: status, detail: "Africa's Talking recipient status \(status) (\(statusCode))"))
    }
}
