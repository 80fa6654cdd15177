import Foundation
import HTTPTypes
import HotlinePrivacy
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import IntakeService
import NIOCore
import Testing

/// One test per bug the hostile corpus found in intake, each once a 500 or a wrongly accepted request.
@Suite("Intake hostile-input regressions")
struct HostileRegressionTests {
    static let atSMS = "/v1/inbound/africastalking/sms?token=dev-africastalking-token"

    func phone() -> String { IntakeHarness.uniquePhone().e164 }

    func errorCode(_ response: TestResponse) throws -> String? {
        (try IntakeHarness.json(response.body)["error"] as? [String: Any])?["code"] as? String
    }

    @Test("a NUL character is a 400 on every channel, not a PostgreSQL error and a 500")
    func nulCharacters() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        try await withRunningServices([probe]) {
            let key = try await IntakeHarness.apiKey(role: .operator, client: probe)
            try await app.test(.router) { client in
                let form = try await client.execute(uri: Self.atSMS, method: .post, headers: IntakeHarness.formHeaders,
                    body: IntakeHarness.form([("id", UUID().uuidString), ("from", phone()), ("text", "vol\u{0}attaque")]))
                #expect(try form.status == .badRequest && errorCode(form) == "invalid_character")
                let ussd = try await client.execute(uri: "/v1/inbound/africastalking/ussd?token=dev-africastalking-token", method: .post,
                    headers: IntakeHarness.formHeaders, body: IntakeHarness.form([("sessionId", "s\u{0}"), ("phoneNumber", phone()), ("text", "")]))
                #expect(ussd.status == .badRequest)
                let report = try await client.execute(uri: "/v1/reports", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(key)"], body: ByteBuffer(string: #"{"text":"vol\u0000"}"#))
                #expect(try report.status == .badRequest && errorCode(report) == "invalid_character")
                let relayBody = #"{"id":"r-\#(UUID().uuidString)","from":"\#(phone())","text":"vol\u0000"}"#
                var headers: HTTPFields = [.contentType: "application/json"]
                headers[HTTPField.Name("X-Hotline-Signature")!] = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: "dev-relay-secret", body: Array(relayBody.utf8))
                let relay = try await client.execute(uri: "/v1/inbound/generic/sms", method: .post, headers: headers, body: ByteBuffer(string: relayBody))
                #expect(try relay.status == .badRequest && errorCode(relay) == "invalid_character")
            }
        }
    }

    @Test("ids are bounded in bytes: random 8 kB ids and one 'character' of 5,000 combining marks are 400, not 500 or stored",
          arguments: ["random", "combining"])
    func boundedIDs(kind: String) async throws {
        let id = kind == "random"
            ? String((0..<8_000).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
            : "a" + String(repeating: "\u{0301}", count: 5_000)
        let app = try IntakeHarness.makeApp()
        try await app.test(.router) { client in
            let sms = try await client.execute(uri: Self.atSMS, method: .post, headers: IntakeHarness.formHeaders,
                body: IntakeHarness.form([("id", id), ("from", phone()), ("text", "vol")]))
            #expect(try sms.status == .badRequest && errorCode(sms) == "bad_id")
            let relayBody = #"{"id":"\#(id)","from":"\#(phone())","text":"vol"}"#
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[HTTPField.Name("X-Hotline-Signature")!] = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: "dev-relay-secret", body: Array(relayBody.utf8))
            let relay = try await client.execute(uri: "/v1/inbound/generic/sms", method: .post, headers: headers, body: ByteBuffer(string: relayBody))
            #expect(try relay.status == .badRequest && errorCode(relay) == "bad_id")
            let ussd = try await client.execute(uri: "/v1/inbound/africastalking/ussd?token=dev-africastalking-token", method: .post,
                headers: IntakeHarness.formHeaders, body: IntakeHarness.form([("sessionId", id), ("phoneNumber", phone()), ("text", "")]))
            #expect(ussd.status == .badRequest)
        }
    }

    @Test("a conflicting repeated token, signature header or form field is refused, even one intake does not read")
    func ambiguousRepeats() async throws {
        let app = try IntakeHarness.makeApp()
        try await app.test(.router) { client in
            let fields = [("id", UUID().uuidString), ("from", phone()), ("text", "vol")]
            let tokens = try await client.execute(uri: Self.atSMS + "&token=wrong", method: .post, headers: IntakeHarness.formHeaders,
                                                  body: IntakeHarness.form(fields))
            #expect(tokens.status == .forbidden)
            let unread = try await client.execute(uri: Self.atSMS, method: .post, headers: IntakeHarness.formHeaders,
                                                  body: IntakeHarness.form(fields + [("to", "20123"), ("to", "20124")]))
            #expect(try unread.status == .badRequest && errorCode(unread) == "conflicting_parameter")

            let twilio = [("MessageSid", "SM\(UUID().uuidString)"), ("From", phone()), ("Body", "vol")]
            var headers = IntakeHarness.formHeaders
            let signature = WebhookSignature.twilio(authToken: "dev-twilio-auth-token", url: IntakeHarness.publicBaseURL + "/v1/inbound/twilio/sms",
                                                    parameters: twilio)
            headers.append(HTTPField(name: HTTPField.Name("X-Twilio-Signature")!, value: signature))
            headers.append(HTTPField(name: HTTPField.Name("X-Twilio-Signature")!, value: "forged"))
            let doubled = try await client.execute(uri: "/v1/inbound/twilio/sms", method: .post, headers: headers, body: IntakeHarness.form(twilio))
            #expect(doubled.status == .forbidden)
        }
    }

    @Test("a digit carrying combining marks is not a digit of a phone number (found by libFuzzer)")
    func combiningDigits() {
        #expect(PhoneNumber.normalise("(4097\u{0730}212", defaultCountryCode: "223") == nil)
        #expect(PhoneNumber.normalise("+223 76 1\u{0301}2 34 56", defaultCountryCode: "223") == nil)
        #expect(PhoneNumber.normalise("+223 76 12 34 56", defaultCountryCode: "223")?.e164 == "+22376123456")
    }
}
