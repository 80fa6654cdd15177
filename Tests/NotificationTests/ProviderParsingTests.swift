import AsyncHTTPClient
import Foundation
import HotlineDomain
import HotlineRuntime
@testable import NotificationService
import Testing

/// Each provider's request fields and how its answers are read, with no server.
@Suite("Provider requests and answers")
struct ProviderParsingTests {
    static let sms = OutboundSMS(notificationID: "n1", to: "+22376123456", text: "Merci & à bientôt = 7KQ2ZX", claimedAt: Date())

    func response(_ status: Int, _ body: String, headers: [(String, String)] = []) -> GatewayResponse {
        GatewayResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    @Test("Africa's Talking: form fields, success, per-recipient refusals, HTTP failures")
    func africasTalking() throws {
        var configuration = NotificationConfiguration.AfricasTalking()
        configuration.username = "hotline"
        configuration.senderID = "20123"
        let form = AfricasTalkingProvider.form(Self.sms, configuration: configuration)
        #expect(form.map(\.0) == ["username", "to", "message", "from"])
        #expect(FormEncoding.encode(form).contains("message=Merci%20%26%20%C3%A0%20bient%C3%B4t%20%3D%207KQ2ZX"))

        let success = response(201, #"{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[{"statusCode":101,"number":"+22376123456","status":"Success","cost":"XOF 25","messageId":"ATXid_1"}]}}"#)
        #expect(try AfricasTalkingProvider.parseSendResponse(success).get() == ProviderReceipt(providerMessageID: "ATXid_1", providerStatus: "Success"))

        func failure(_ r: GatewayResponse) -> ProviderError? {
            if case .failure(let error) = AfricasTalkingProvider.parseSendResponse(r) { return error }
            return nil
        }
        let invalid = response(201, #"{"SMSMessageData":{"Message":"Sent to 0/1","Recipients":[{"statusCode":403,"number":"+22376123456","status":"InvalidPhoneNumber","cost":"0","messageId":"None"}]}}"#)
        #expect(failure(invalid)?.code == .permanent)
        #expect(failure(invalid)?.reason == "InvalidPhoneNumber")
        #expect(!(failure(invalid)?.detail.contains("76123456") ?? true), "the number never reaches the reason")
        let blacklisted = response(201, #"{"SMSMessageData":{"Message":"x","Recipients":[{"statusCode":406,"status":"UserInBlacklist","messageId":"None"}]}}"#)
        #expect(failure(blacklisted)?.code == .optedOut)
        let gatewayError = response(201, #"{"SMSMessageData":{"Message":"x","Recipients":[{"statusCode":501,"status":"GatewayError","messageId":"None"}]}}"#)
        #expect(failure(gatewayError)?.code == .retriable)
        let empty = response(201, #"{"SMSMessageData":{"Message":"InvalidSenderId +22376123456","Recipients":[]}}"#)
        #expect(failure(empty)?.code == .permanent)
        #expect(!(failure(empty)?.detail.contains("76123456") ?? true))
        #expect(failure(response(500, "oops"))?.code == .retriable)
        #expect(failure(response(429, "slow down", headers: [("Retry-After", "7")]))?.retryAfter == .seconds(7))
        #expect(failure(response(401, "The supplied authentication is invalid"))?.code == .permanent)
    }

    @Test("Twilio: form fields, success, 429/5xx retriable, 4xx permanent, 21610 opted out")
    func twilio() throws {
        var configuration = NotificationConfiguration.Twilio()
        configuration.from = "+15005550006"
        configuration.statusCallbackURL = "https://hotline.example.org/v1/inbound/twilio/status"
        #expect(TwilioProvider.form(Self.sms, configuration: configuration).map(\.0) == ["To", "From", "Body", "StatusCallback"])
        configuration.messagingServiceSID = "MG123"
        #expect(TwilioProvider.form(Self.sms, configuration: configuration).map(\.0) == ["To", "MessagingServiceSid", "Body", "StatusCallback"])

        let created = response(201, #"{"sid":"SM0123","status":"queued","to":"+22376123456","body":"x"}"#)
        #expect(try TwilioProvider.parseSendResponse(created).get().providerMessageID == "SM0123")
        func failure(_ r: GatewayResponse) -> ProviderError? {
            if case .failure(let error) = TwilioProvider.parseSendResponse(r) { return error }
            return nil
        }
        let throttled = failure(response(429, #"{"code":20429,"message":"Too Many Requests","status":429}"#, headers: [("Retry-After", "2")]))
        #expect(throttled?.code == .retriable)
        #expect(throttled?.retryAfter == .seconds(2))
        #expect(failure(response(503, #"{"code":20503,"message":"Service unavailable","status":503}"#))?.code == .retriable)
        let invalid = failure(response(400, #"{"code":21211,"message":"The 'To' number +22376123456 is not a valid phone number.","status":400}"#))
        #expect(invalid?.code == .permanent)
        #expect(invalid?.reason == "twilio_21211")
        #expect(!(invalid?.detail.contains("76123456") ?? true), "Twilio's message echoes the number; it is masked")
        #expect(failure(response(400, #"{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}"#))?.code == .optedOut)
        #expect(failure(response(401, #"{"code":20003,"message":"Authenticate","status":401}"#))?.code == .permanent)
    }

    @Test("transport failures: a refused connection is retriable (nothing left), a lost answer is ambiguous")
    func transport() async throws {
        var configuration = NotificationConfiguration.Twilio()
        configuration.baseURL = "http://127.0.0.1:1"  // nothing listens on port 1
        let provider = TwilioProvider(configuration: configuration, client: .shared, timeout: .seconds(1))
        do {
            _ = try await provider.send(Self.sms)
            Issue.record("sent to a closed port")
        } catch let error as ProviderError {
            #expect(error.code == .retriable, "\(error)")
        }
        #expect(GatewayHTTP.classify(transportError: HTTPClientError.connectTimeout).code == .retriable)
        #expect(GatewayHTTP.classify(transportError: HTTPClientError.deadlineExceeded).code == .ambiguous)
        #expect(GatewayHTTP.classify(transportError: HTTPClientError.remoteConnectionClosed).code == .ambiguous)
    }

    @Test("masking hides phone numbers in gateway text")
    func redaction() {
        #expect(Redaction.maskNumbers("The 'To' number +223 76 12 34 56 is invalid") == "The 'To' number [number]is invalid")
        #expect(Redaction.maskNumbers("error 21211 at 12:30") == "error 21211 at 12:30")
    }

    @Test("quiet hours hold non-urgent messages in the recipient's zone; a target's active hours replace them; urgent ones go at once")
    func sendWindow() throws {
        func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
        let policy = SendWindow(window: try #require(DailyWindow(parsing: "21:00-07:00")), defaultTimeZone: "Africa/Bamako")
        #expect(policy.earliestSend(for: .urgent, timeZone: nil, at: date("2026-11-24T23:00:00Z")) == date("2026-11-24T23:00:00Z"))
        #expect(policy.earliestSend(for: .routine, timeZone: nil, at: date("2026-11-24T23:00:00Z")) == date("2026-11-25T07:00:00Z"))
        #expect(policy.earliestSend(for: .survey, timeZone: "Africa/Lagos", at: date("2026-11-24T23:00:00Z")) == date("2026-11-25T06:00:00Z"))
        // A college sitting 08:00-18:00: routine alerts wait for its morning even after quiet hours end...
        #expect(policy.earliestSend(for: .routine, timeZone: nil, activeHours: "08:00-18:00", at: date("2026-11-24T07:30:00Z"))
                == date("2026-11-24T08:00:00Z"))
        // ...and a committee on duty through the evening is reached inside the global quiet hours.
        #expect(policy.earliestSend(for: .routine, timeZone: nil, activeHours: "06:00-23:00", at: date("2026-11-24T22:00:00Z"))
                == date("2026-11-24T22:00:00Z"))
        #expect(policy.earliestSend(for: .urgent, timeZone: nil, activeHours: "08:00-18:00", at: date("2026-11-24T02:00:00Z"))
                == date("2026-11-24T02:00:00Z"))
        // Unreadable hours in a request fall back to the quiet hours rather than holding a message forever.
        #expect(policy.earliestSend(for: .routine, timeZone: nil, activeHours: "soon", at: date("2026-11-24T12:00:00Z"))
                == date("2026-11-24T12:00:00Z"))
        #expect(SendWindow.deferral(until: date("2026-11-24T08:00:00Z"), activeHours: "08:00-18:00").contains("active hours 08:00-18:00"))
        #expect(SendWindow.deferral(until: date("2026-11-24T08:00:00Z"), activeHours: nil).hasPrefix("quiet hours"))
    }

    @Test("production mode requires the selected provider's secrets")
    func productionSecrets() throws {
        var reader = try EnvironmentReader(["HOTLINE_MODE": "production", "HOTLINE_SMS_PROVIDER": "twilio"])
        _ = NotificationConfiguration.fromEnvironment(&reader)
        #expect(reader.problems.contains { $0.contains("HOTLINE_TWILIO_AUTH_TOKEN") })
        #expect(reader.problems.contains { $0.contains("HOTLINE_TWILIO_ACCOUNT_SID") })
        var at = try EnvironmentReader(["HOTLINE_MODE": "production", "HOTLINE_SMS_PROVIDER": "africastalking"])
        _ = NotificationConfiguration.fromEnvironment(&at)
        #expect(at.problems.contains { $0.contains("HOTLINE_AT_API_KEY") })
        var log = try EnvironmentReader(["HOTLINE_MODE": "production"])
        let configuration = NotificationConfiguration.fromEnvironment(&log)
        #expect(log.problems.isEmpty)
        #expect(configuration.provider == .log)
        var bad = try EnvironmentReader(["HOTLINE_SMS_PROVIDER": "carrier-pigeon", "HOTLINE_QUIET_HOURS": "late"])
        _ = NotificationConfiguration.fromEnvironment(&bad)
        #expect(bad.problems.count == 2)
    }
}
