import Foundation
import HTTPTypes
import HotlineDomain
import HotlineKafka
import HotlinePrivacy
import HotlineRuntime
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import IntakeService
import Logging
import NIOCore
import PostgresNIO
import Testing

/// Every gateway channel, driven with the gateways' real field names, against PostgreSQL.
@Suite("Intake gateway channels")
struct GatewayChannelTests {
    let logger = TestEnvironment.logger
    static let atToken = "dev-africastalking-token"
    static let twilioToken = "dev-twilio-auth-token"
    static let relaySecret = "dev-relay-secret"

    func pseudonym(_ e164: String) -> String {
        PIIProtector(keyring: .development).pseudonym(of: PhoneNumber.normalise(e164, defaultCountryCode: "223")!)
    }

    func reportsFrom(_ e164: String, _ probe: PostgresClient) async throws -> Int {
        let pseudonym = self.pseudonym(e164)
        return try await IntakeHarness.count(probe, "SELECT count(*) FROM intake.reports WHERE reporter_pseudonym = \(pseudonym)")
    }

    func commands(_ kind: String, from e164: String, _ probe: PostgresClient) async throws -> Int {
        let pseudonym = self.pseudonym(e164)
        return try await IntakeHarness.count(probe, """
            SELECT count(*) FROM intake.outbox WHERE topic = 'hotline.commands.received'
            AND convert_from(message_key, 'UTF8') = \(pseudonym) AND convert_from(payload, 'UTF8') LIKE \("%\"kind\":\"\(kind)\"%")
            """)
    }

    // MARK: Africa's Talking

    @Test("Africa's Talking SMS: both date formats, stored as a report with a pseudonym and ciphertext only")
    func africasTalkingSMS() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                for date in ["2026-11-23T10:15:00Z", "2026-11-23 10:15:00"] {
                    let phone = IntakeHarness.uniquePhone()
                    let response = try await client.execute(
                        uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                        body: IntakeHarness.form([("from", phone.e164), ("to", "20123"), ("text", "Vol de moutons à Bourem cette nuit, aidez-nous"),
                                                  ("date", date), ("id", UUID().uuidString), ("linkId", "lk-1"), ("networkCode", "61001")]))
                    #expect(response.status == .ok)
                    #expect(try await reportsFrom(phone.e164, probe) == 1)
                    let leaked = try await IntakeHarness.count(probe, """
                        SELECT count(*) FROM intake.reports r JOIN intake.inbound_messages m ON m.report_id = r.report_id
                        WHERE r::text LIKE \("%\(phone.national)%") OR m::text LIKE \("%\(phone.national)%")
                        """)
                    #expect(leaked == 0, "no clear number in any stored row")
                }
            }
        }
    }

    @Test("Africa's Talking: a wrong or missing token is 403 and stores nothing; bad fields are 4xx")
    func africasTalkingRejections() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                let fields: [(String, String)] = [("from", phone.e164), ("to", "20123"), ("text", "attaque"), ("id", UUID().uuidString)]
                for uri in ["/v1/inbound/africastalking/sms", "/v1/inbound/africastalking/sms?token=wrong"] {
                    let response = try await client.execute(uri: uri, method: .post, headers: IntakeHarness.formHeaders, body: IntakeHarness.form(fields))
                    #expect(response.status == .forbidden)
                }
                let cases: [([(String, String)], HTTPResponse.Status, String)] = [
                    ([("to", "1"), ("text", "x"), ("id", "a")], .badRequest, "missing_field"),
                    ([("from", phone.e164), ("to", "1"), ("id", UUID().uuidString)], .badRequest, "missing_field"),
                    ([("from", "not-a-phone"), ("text", "vol"), ("id", UUID().uuidString)], .badRequest, "bad_phone_number"),
                    ([("from", phone.e164), ("text", String(repeating: "é", count: 1_601)), ("id", UUID().uuidString)], .contentTooLarge, "text_too_long"),
                    ([("from", phone.e164), ("text", "vol"), ("id", UUID().uuidString), ("date", "yesterday")], .badRequest, "bad_date"),
                    ([("from", phone.e164), ("from", "+22376000000"), ("text", "vol"), ("id", UUID().uuidString)], .badRequest, "conflicting_parameter"),
                ]
                for (body, status, code) in cases {
                    let response = try await client.execute(
                        uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                        body: IntakeHarness.form(body))
                    #expect(response.status == status, "\(code)")
                    #expect((try IntakeHarness.json(response.body)["error"] as? [String: Any])?["code"] as? String == code)
                }
                let invalidUTF8 = try await client.execute(
                    uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                    body: ByteBuffer(string: "from=%2B22376000000&text=%C3%28&id=x"))
                #expect(invalidUTF8.status == .badRequest)
                let wrongType = try await client.execute(
                    uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}"))
                #expect(wrongType.status == .unsupportedMediaType)
                #expect(try await reportsFrom(phone.e164, probe) == 0, "nothing stored for rejected requests")
            }
        }
    }

    @Test("50 concurrent copies of one webhook make exactly one report")
    func concurrentDuplicates() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                let id = "ATXid_\(UUID().uuidString)"
                let body = IntakeHarness.form([("from", phone.e164), ("to", "20123"), ("text", "Coups de feu à Ansongo"), ("id", id),
                                               ("date", "2026-11-23 10:15:00")])
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            try await client.execute(uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post,
                                                     headers: IntakeHarness.formHeaders, body: body).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.count == 50 && statuses.allSatisfy { $0 == .ok }, "every copy gets the same 2xx")
                #expect(try await reportsFrom(phone.e164, probe) == 1)
                #expect(try await IntakeHarness.count(probe, "SELECT count(*) FROM intake.outbox WHERE topic = 'hotline.reports.received' AND convert_from(payload, 'UTF8') LIKE '%Ansongo%' AND created_at > now() - interval '1 minute'") >= 1)
            }
        }
    }

    @Test("Africa's Talking delivery reports go to hotline.notifications.status without the phone number")
    func africasTalkingDelivery() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let messageID = "ATXid_\(UUID().uuidString)"
                let fields = [("id", messageID), ("status", "Failed"), ("phoneNumber", "+22376987654"), ("networkCode", "61001"),
                              ("failureReason", "UserInBlacklist"), ("retryCount", "0")]
                for _ in 0..<2 {
                    let response = try await client.execute(uri: "/v1/inbound/africastalking/delivery?token=\(Self.atToken)", method: .post,
                                                            headers: IntakeHarness.formHeaders, body: IntakeHarness.form(fields))
                    #expect(response.status == .ok)
                }
                let rows = try await probe.query("""
                    SELECT convert_from(payload, 'UTF8') FROM intake.outbox
                    WHERE topic = 'hotline.notifications.status' AND convert_from(message_key, 'UTF8') = \(messageID)
                    """, logger: logger).collect()
                #expect(rows.count == 1, "a repeated delivery report is forwarded once")
                let payload = try #require(try rows.first?.decode(String.self))
                #expect(payload.contains("\"status\":\"failed\"") && payload.contains("UserInBlacklist"))
                #expect(!payload.contains("76987654"))
                let bad = try await client.execute(uri: "/v1/inbound/africastalking/delivery?token=\(Self.atToken)", method: .post,
                                                   headers: IntakeHarness.formHeaders, body: IntakeHarness.form([("id", "x"), ("status", "Lost")]))
                #expect(bad.status == .badRequest)
            }
        }
    }

    @Test("Africa's Talking USSD: a session walked screen by screen ends with a reference code")
    func ussdSession() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await IntakeHarness.seedReference(client: probe)
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                let sessionID = "ATUid_\(UUID().uuidString)"
                var inputs: [String] = []
                func screen(_ input: String?) async throws -> String {
                    if let input { inputs.append(input) }
                    let response = try await client.execute(
                        uri: "/v1/inbound/africastalking/ussd?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                        body: IntakeHarness.form([("sessionId", sessionID), ("serviceCode", "*384*123#"), ("phoneNumber", phone.e164),
                                                  ("networkCode", "61001"), ("text", inputs.joined(separator: "*"))]))
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                    let text = String(buffer: response.body)
                    #expect(text.count <= 164, "CON/END plus at most 160 characters")
                    return text
                }
                #expect(try await screen(nil).hasPrefix("CON Hotline"))
                #expect(try await screen("1").hasPrefix("CON Type d'incident"))
                let regions = try await screen("1")
                #expect(regions.hasPrefix("CON Région:"))
                // Find Gao on the region pages.
                var page = regions
                while !page.contains(" Gao") { page = try await screen("0") }
                let gaoLine = try #require(page.split(separator: "\n").first { $0.hasSuffix(" Gao") })
                let communes = try await screen(String(gaoLine.split(separator: " ")[0]))
                #expect(communes.hasPrefix("CON Commune:"))
                var communePage = communes
                while !communePage.contains(" Ansongo") { communePage = try await screen("0") }
                let ansongo = try #require(communePage.split(separator: "\n").first { $0.hasSuffix(" Ansongo") })
                #expect(try await screen(String(ansongo.split(separator: " ")[0])).hasPrefix("CON Décrivez"))
                #expect(try await screen("vol de motos * 3 hommes").hasPrefix("CON Envoyer"))
                let end = try await screen("1")
                #expect(end.hasPrefix("END Merci. Votre référence: "))
                let code = try #require(end.split(separator: " ").first { $0.count == 7 && $0.hasSuffix(".") }.map { String($0.dropLast()) })
                let stored = try await probe.query(
                    "SELECT channel, category_hint, place_code, text FROM intake.reports WHERE reference_code = \(code)", logger: logger
                ).collect().first?.decode((String, String?, String?, String).self)
                #expect(stored?.0 == "ussd")
                #expect(stored?.1 == "theft")
                #expect(stored?.2 == "ML-7-ANS-ANS")
                #expect(stored?.3 == "vol de motos * 3 hommes", "a * typed in free text survives")
                // A retried final request returns the same code and makes no second report.
                inputs.removeLast()
                #expect(try await screen("1") == end)
                #expect(try await reportsFrom(phone.e164, probe) == 1)
            }
        }
    }

    @Test("Africa's Talking USSD: a reporter over the hourly limit is told so on the last screen and no report is made")
    func ussdThrottled() async throws {
        let app = try IntakeHarness.makeApp(senderLimitPerHour: 2)
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await IntakeHarness.awayFromHourBoundary()
        try await withRunningServices([probe]) {
            try await IntakeHarness.seedReference(client: probe)
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                func screen(_ sessionID: String, _ text: String) async throws -> String {
                    let response = try await client.execute(
                        uri: "/v1/inbound/africastalking/ussd?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                        body: IntakeHarness.form([("sessionId", sessionID), ("serviceCode", "*384*123#"), ("phoneNumber", phone.e164),
                                                  ("networkCode", "61001"), ("text", text)]))
                    #expect(response.status == .ok)
                    return String(buffer: response.body)
                }
                func session(_ sessionID: String, _ inputs: [String]) async throws -> String {
                    var last = ""
                    for count in 0...inputs.count { last = try await screen(sessionID, inputs.prefix(count).joined(separator: "*")) }
                    return last
                }
                // French, first category, first region, first commune, no details, confirm.
                let walk = ["1", "1", "1", "1", "0", "1"]
                #expect(try await session("ATUid_\(UUID().uuidString)", walk).hasPrefix("END Merci. Votre référence: "))
                #expect(try await session("ATUid_\(UUID().uuidString)", walk).hasPrefix("END Merci. Votre référence: "))
                let third = "ATUid_\(UUID().uuidString)"
                let refused = try await session(third, walk)
                #expect(refused.hasPrefix("END Trop de signalements"))
                #expect(refused.count <= 164)
                #expect(try await reportsFrom(phone.e164, probe) == 2)
                let pseudonym = self.pseudonym(phone.e164)
                #expect(try await IntakeHarness.count(probe, """
                    SELECT count(*) FROM intake.inbound_messages WHERE sender_pseudonym = \(pseudonym) AND kind = 'throttled'
                    """) == 1)
                // The gateway repeating the last screen gets the same answer, and still no report.
                #expect(try await screen(third, walk.joined(separator: "*")).hasPrefix("END Trop de signalements"))
                #expect(try await reportsFrom(phone.e164, probe) == 2)
            }
        }
    }

    // MARK: Twilio

    func twilioHeaders(path: String, _ fields: [(String, String)], token: String = Self.twilioToken) -> HTTPFields {
        var headers = IntakeHarness.formHeaders
        headers[HTTPField.Name("X-Twilio-Signature")!] = WebhookSignature.twilio(
            authToken: token, url: IntakeHarness.publicBaseURL + path, parameters: fields)
        return headers
    }

    @Test("Twilio SMS: a valid signature is accepted with empty TwiML; location fields are dropped")
    func twilioSMS() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                let sid = "SM\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
                let fields = [("MessageSid", sid), ("AccountSid", "AC00000000000000000000000000000000"), ("From", phone.e164),
                              ("To", "+22320201234"), ("Body", "سرقة في سوق غاو — ߒߞߏ"), ("NumSegments", "2"),
                              ("FromCity", "TIMBUKTU-CITY-MARKER"), ("FromZip", "ZIP-MARKER"), ("FromCountry", "ML")]
                let path = "/v1/inbound/twilio/sms"
                let response = try await client.execute(uri: path, method: .post, headers: twilioHeaders(path: path, fields), body: IntakeHarness.form(fields))
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
                #expect(try await reportsFrom(phone.e164, probe) == 1)
                let stored = try await probe.query(
                    "SELECT text, language FROM intake.reports WHERE reporter_pseudonym = \(pseudonym(phone.e164))",
                    logger: logger).collect().first?.decode((String, String).self)
                #expect(stored?.0 == "سرقة في سوق غاو — ߒߞߏ", "Arabic and N'Ko survive byte for byte")
                #expect(stored?.1 == "ar")
                let markers = try await IntakeHarness.count(probe, "SELECT count(*) FROM intake.outbox WHERE convert_from(payload, 'UTF8') LIKE '%CITY-MARKER%' OR convert_from(payload, 'UTF8') LIKE '%ZIP-MARKER%'")
                #expect(markers == 0)
            }
        }
    }

    @Test("Twilio: a bad, missing or replayed-elsewhere signature is 403 and stores nothing")
    func twilioForgeries() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                let fields = [("MessageSid", "SM\(UUID().uuidString)"), ("From", phone.e164), ("To", "+22320201234"), ("Body", "vol")]
                let path = "/v1/inbound/twilio/sms"
                var tampered = fields
                tampered[3] = ("Body", "vol et attaque")
                let attempts: [HTTPFields] = [
                    IntakeHarness.formHeaders,
                    twilioHeaders(path: path, fields, token: "wrong-token"),
                    twilioHeaders(path: "/v1/inbound/twilio/status", fields),
                    twilioHeaders(path: path, tampered),
                ]
                for headers in attempts {
                    let response = try await client.execute(uri: path, method: .post, headers: headers, body: IntakeHarness.form(fields))
                    #expect(response.status == .forbidden)
                }
                #expect(try await reportsFrom(phone.e164, probe) == 0)
            }
        }
    }

    @Test("Twilio status callbacks are forwarded once, with the error code")
    func twilioStatus() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let sid = "SM\(UUID().uuidString)"
                let fields = [("MessageSid", sid), ("MessageStatus", "undelivered"), ("ErrorCode", "30003"), ("To", "+22376111111")]
                let path = "/v1/inbound/twilio/status"
                for _ in 0..<3 {
                    let response = try await client.execute(uri: path, method: .post, headers: twilioHeaders(path: path, fields), body: IntakeHarness.form(fields))
                    #expect(response.status == .ok)
                }
                let rows = try await probe.query(
                    "SELECT convert_from(payload, 'UTF8') FROM intake.outbox WHERE convert_from(message_key, 'UTF8') = \(sid)", logger: logger).collect()
                #expect(rows.count == 1)
                let payload = try #require(try rows.first?.decode(String.self))
                #expect(payload.contains("\"error_code\"") || payload.contains("30003"))
                #expect(!payload.contains("76111111"))
            }
        }
    }

    // MARK: Generic relay

    @Test("generic relay: HMAC-signed JSON is accepted; forged or malformed is refused")
    func genericRelay() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                let body = #"{"id":"kannel-\#(UUID().uuidString)","from":"\#(phone.e164)","to":"20123","text":"Affrontement entre éleveurs et agriculteurs à Niono","received_at":"2026-11-23T10:15:00Z"}"#
                func headers(_ signature: String?) -> HTTPFields {
                    var fields: HTTPFields = [.contentType: "application/json"]
                    if let signature { fields[HTTPField.Name("X-Hotline-Signature")!] = signature }
                    return fields
                }
                let good = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: Self.relaySecret, body: Array(body.utf8))
                for signature in [nil, "sha256=00", "sha256=" + WebhookSignature.hmacSHA256Hex(secret: "guess", body: Array(body.utf8))] {
                    let response = try await client.execute(uri: "/v1/inbound/generic/sms", method: .post, headers: headers(signature), body: ByteBuffer(string: body))
                    #expect(response.status == .forbidden)
                }
                #expect(try await reportsFrom(phone.e164, probe) == 0)
                let accepted = try await client.execute(uri: "/v1/inbound/generic/sms", method: .post, headers: headers(good), body: ByteBuffer(string: body))
                #expect(accepted.status == .ok)
                #expect(try await reportsFrom(phone.e164, probe) == 1)
                let malformed = "{\"id\":"
                let response = try await client.execute(
                    uri: "/v1/inbound/generic/sms", method: .post,
                    headers: headers("sha256=" + WebhookSignature.hmacSHA256Hex(secret: Self.relaySecret, body: Array(malformed.utf8))),
                    body: ByteBuffer(string: malformed))
                #expect(response.status == .badRequest)
            }
        }
    }

    // MARK: Commands, opt-outs, limits

    @Test("commands, replies, opt-outs and opt-ins are passed on as what they are, not as reports")
    func commandsAreNotReports() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                for text in ["STATUS 7KQ2ZX", "état 7kq2zx", "OK 7KQ2ZX", "FAIT 7KQ2ZX bétail rendu", "ARRET", "4", "Démarrer"] {
                    let response = try await client.execute(
                        uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                        body: IntakeHarness.form([("from", phone.e164), ("to", "20123"), ("text", text), ("id", UUID().uuidString)]))
                    #expect(response.status == .ok)
                }
                #expect(try await reportsFrom(phone.e164, probe) == 0)
                #expect(try await commands("reporter_command", from: phone.e164, probe) == 3)
                #expect(try await commands("responder_command", from: phone.e164, probe) == 2)
                #expect(try await commands("opt_out", from: phone.e164, probe) == 1)
                #expect(try await commands("opt_in", from: phone.e164, probe) == 1)
            }
        }
    }

    @Test("a flooding sender gets 2xx but is throttled, counted and not routed; opt-outs still pass")
    func senderRateLimit() async throws {
        let app = try IntakeHarness.makeApp(senderLimitPerHour: 3)
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await IntakeHarness.awayFromHourBoundary()
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let phone = IntakeHarness.uniquePhone()
                for index in 0..<6 {
                    let response = try await client.execute(
                        uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                        body: IntakeHarness.form([("from", phone.e164), ("text", "message numéro \(index)"), ("id", UUID().uuidString)]))
                    #expect(response.status == .ok)
                }
                let stop = try await client.execute(
                    uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                    body: IntakeHarness.form([("from", phone.e164), ("text", "STOP"), ("id", UUID().uuidString)]))
                #expect(stop.status == .ok)
                #expect(try await reportsFrom(phone.e164, probe) == 3)
                let pseudonym = self.pseudonym(phone.e164)
                #expect(try await IntakeHarness.count(probe, "SELECT count(*) FROM intake.inbound_messages WHERE sender_pseudonym = \(pseudonym) AND kind = 'throttled'") == 3)
                // Each message counted once: the one-statement path rolls its count back when it hands over.
                #expect(try await IntakeHarness.count(probe, "SELECT coalesce(sum(count), 0)::bigint FROM intake.sender_windows WHERE pseudonym = \(pseudonym)") == 6)
                #expect(try await commands("opt_out", from: phone.e164, probe) == 1)
            }
        }
    }
}
