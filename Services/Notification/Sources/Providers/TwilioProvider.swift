import AsyncHTTPClient
import Foundation

/// Twilio Programmable Messaging: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`
/// with basic auth and `To`, `From` or `MessagingServiceSid`, `Body`, `StatusCallback`.
/// 429 and 5xx are retriable; other 4xx are permanent, except error 21610 (the recipient
/// opted out). A message whose outcome was not recorded is looked up by SID when known, or in
/// the account's message list by recipient, day and body.
public struct TwilioProvider: SMSProvider {
    public let name = "twilio"
    public let configuration: NotificationConfiguration.Twilio
    let http: GatewayHTTP

    public init(configuration: NotificationConfiguration.Twilio, client: HTTPClient, timeout: Duration) {
        self.configuration = configuration
        self.http = GatewayHTTP(client: client, timeout: timeout)
    }

    public var sender: String { configuration.messagingServiceSID ?? configuration.from ?? "default" }

    var messagesURL: String { "\(configuration.baseURL)/2010-04-01/Accounts/\(configuration.accountSID)/Messages" }

    var authorization: (String, String) {
        ("Authorization", "Basic " + Data("\(configuration.accountSID):\(configuration.authToken)".utf8).base64EncodedString())
    }

    public func send(_ sms: OutboundSMS) async throws -> ProviderReceipt {
        let response = try await http.post(messagesURL + ".json", headers: [authorization, ("Accept", "application/json")],
                                           form: Self.form(sms, configuration: configuration))
        return try Self.parseSendResponse(response).get()
    }

    public func lookup(_ sms: OutboundSMS, providerMessageID: String?) async throws -> ProviderLookup {
        if let sid = providerMessageID {
            let response = try await http.get("\(messagesURL)/\(FormEncoding.escape(sid)).json", headers: [authorization])
            if response.status == 404 { return .notFound }
            guard response.status == 200, let message = response.json() else {
                throw ProviderError(code: .retriable, reason: "http_\(response.status)", detail: "Twilio message lookup failed")
            }
            return .found(Self.receipt(message))
        }
        // Twilio lists newest first, a page at a time; a busy number (a committee member) can
        // receive hundreds of messages a day, so every page is read before concluding "not sent".
        let day = sms.claimedAt.addingTimeInterval(-60).formatted(.iso8601.year().month().day())
        let query = FormEncoding.encode([("To", sms.to), ("DateSent>", day), ("PageSize", "1000")])
        var url = "\(messagesURL).json?\(query)"
        for _ in 0..<Self.lookupPageLimit {
            let response = try await http.get(url, headers: [authorization])
            guard response.status == 200, let page = response.json(), let messages = page["messages"] as? [[String: Any]] else {
                throw ProviderError(code: .retriable, reason: "http_\(response.status)", detail: "Twilio message list failed")
            }
            if let match = messages.first(where: { ($0["body"] as? String) == sms.text && ($0["to"] as? String) == sms.to }) {
                return .found(Self.receipt(match))
            }
            guard let next = page["next_page_uri"] as? String, !next.isEmpty else { return .notFound }
            url = configuration.baseURL + next
        }
        // Too many to read: undecided, so never resent.
        return .unsupported
    }

    /// Pages of up to 1,000 messages read before a lookup gives up (and the message stays unknown).
    static let lookupPageLimit = 50

    static func form(_ sms: OutboundSMS, configuration: NotificationConfiguration.Twilio) -> [(String, String)] {
        var form = [("To", sms.to)]
        if let service = configuration.messagingServiceSID {
            form.append(("MessagingServiceSid", service))
        } else {
            form.append(("From", configuration.from ?? ""))
        }
        form.append(("Body", sms.text))
        if let callback = configuration.statusCallbackURL { form.append(("StatusCallback", callback)) }
        return form
    }

    static let optedOutErrorCode = 21610

    static func parseSendResponse(_ response: GatewayResponse) -> Result<ProviderReceipt, ProviderError> {
        let json = response.json()
        if (200...299).contains(response.status) {
            guard let json, json["sid"] is String else {
                return .failure(ProviderError(code: .ambiguous, reason: "unreadable_answer", detail: "Twilio answered \(response.status) without a sid"))
            }
            return .success(receipt(json))
        }
        let code = (json?["code"] as? Int) ?? Int(json?["code"] as? String ?? "")
        let reason = code.map { "twilio_\($0)" } ?? "http_\(response.status)"
        let message = (code.map { "error \($0): " } ?? "") + Redaction.maskNumbers(json?["message"] as? String ?? response.redactedText)
        if response.isRetriableStatus {
            return .failure(ProviderError(code: .retriable, reason: reason, detail: "Twilio answered HTTP \(response.status): \(message)",
                                          retryAfter: response.retryAfter))
        }
        if code == optedOutErrorCode {
            return .failure(ProviderError(code: .optedOut, reason: reason, detail: "Twilio: the recipient has opted out (21610)"))
        }
        return .failure(ProviderError(code: .permanent, reason: reason, detail: "Twilio answered HTTP \(response.status): \(message)"))
    }

    static func receipt(_ message: [String: Any]) -> ProviderReceipt {
        let status = message["status"] as? String ?? "queued"
        return ProviderReceipt(providerMessageID: message["sid"] as? String ?? "", providerStatus: status,
                               delivered: status == "delivered" || status == "read")
    }
}
