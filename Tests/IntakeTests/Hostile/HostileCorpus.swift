import Foundation
import HTTPTypes
import HotlinePrivacy

/// A deterministic, seeded corpus of hostile requests against intake's public surface.
///
/// Every request carries a marker unique to it (in its message id, text, session id or
/// Idempotency-Key) and a sender number unique to it, so the test can prove with SQL that
/// nothing of a rejected request was stored.
struct HostileCorpus {
    enum Category: String, CaseIterable, Sendable {
        case invalidUTF8 = "invalid UTF-8"
        case truncated = "truncated"
        case huge = "huge fields"
        case duplicates = "duplicate and conflicting parameters"
        case contentType = "wrong content types and methods"
        case injection = "SQL and script injection"
        case forged = "forged signatures and tokens"
        case replay = "replayed signatures"
        case valid = "valid controls"
    }

    enum Expectation: Sendable, Equatable {
        /// Must be refused with exactly this status (forged credentials).
        case forged(HTTPResponse.Status)
        /// Must be refused with a 4xx.
        case rejected
        /// Must be accepted with a 2xx.
        case accepted
        /// Either a 2xx or a 4xx, never a 5xx.
        case either
    }

    struct Request: Sendable {
        var index: Int
        var category: Category
        var variant: String
        var method: HTTPRequest.Method = .post
        var uri: String
        var headers: HTTPFields = [:]
        var body: [UInt8] = []
        var expectation: Expectation
        /// Markers this request would leave in a stored row if it were accepted.
        var markers: [String] = []
        /// Sender numbers (E.164) this request names.
        var phones: [String] = []
        /// For accepted requests whose text must be stored exactly as sent.
        var verbatimText: String?
        /// Markers that must never be stored, whatever the answer (the second body of a reused id).
        var unstoredMarkers: [String] = []
        /// Requests of one group go over one connection, in order (an original before its replays).
        var group: Int?
    }

    static let atToken = "dev-africastalking-token"
    static let twilioToken = "dev-twilio-auth-token"
    static let relaySecret = "dev-relay-secret"
    static let publicBaseURL = IntakeHarness.publicBaseURL

    let prefix: String
    let numberSalt: Int
    let operatorKey: String
    let coordinatorKey: String
    let revokedKey: String
    var random: SeededGenerator
    var requests: [Request] = []

    init(seed: UInt64, runID: String, operatorKey: String, coordinatorKey: String, revokedKey: String) {
        self.random = SeededGenerator(seed: seed)
        self.prefix = "HX\(runID)q"
        self.numberSalt = Int(runID.unicodeScalars.reduce(UInt32(7)) { $0 &* 31 &+ $1.value } % 100_000)
        self.operatorKey = operatorKey
        self.coordinatorKey = coordinatorKey
        self.revokedKey = revokedKey
    }

    /// Generates `count` requests, cycling through the categories with these weights.
    mutating func generate(count: Int) -> [Request] {
        let weights: [(Category, Int)] = [
            (.invalidUTF8, 12), (.truncated, 12), (.huge, 10), (.duplicates, 12), (.contentType, 10),
            (.injection, 16), (.forged, 18), (.replay, 6), (.valid, 4),
        ]
        let total = weights.map(\.1).reduce(0, +)
        var produced = 0
        while requests.count < count {
            var slot = produced % total
            produced += 1
            let category = weights.first { entry in
                defer { slot -= entry.1 }
                return slot < entry.1
            }!.0
            add(category)
        }
        return requests
    }

    // MARK: Identities

    /// `HX<run>q000123z`: fixed width, so a cut marker never reads as another request's.
    func marker(_ index: Int) -> String { prefix + String(format: "%06d", index) + "z" }

    /// A sender number no other request of any run uses: +2239 then 11 digits.
    func phone(_ index: Int) -> String { "+2239" + String(format: "%05d%06d", numberSalt, index) }

    var nextIndex: Int { requests.count }

    mutating func append(_ request: Request, group: Int? = nil) {
        var request = request
        request.index = requests.count
        request.group = group ?? request.group
        requests.append(request)
    }

    // MARK: Channel builders

    static func formBytes(_ pairs: [(String, String)]) -> [UInt8] {
        Array(pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&").utf8)
    }

    static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }

    static let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    static let jsonType: HTTPFields = [.contentType: "application/json"]

    func atSMSFields(_ index: Int, text: String? = nil) -> [(String, String)] {
        [("id", marker(index)), ("from", phone(index)), ("to", "20123"), ("text", text ?? "\(marker(index)) vol de bétail à Bourem"),
         ("date", "2026-11-23 10:15:00"), ("linkId", "lk-\(index)"), ("networkCode", "61001")]
    }

    func atDeliveryFields(_ index: Int) -> [(String, String)] {
        [("id", marker(index)), ("status", "Failed"), ("phoneNumber", phone(index)), ("networkCode", "61001"),
         ("failureReason", "UserInBlacklist"), ("retryCount", "0")]
    }

    func atUSSDFields(_ index: Int) -> [(String, String)] {
        [("sessionId", marker(index)), ("serviceCode", "*384*123#"), ("phoneNumber", phone(index)), ("networkCode", "61001"), ("text", "")]
    }

    func twilioSMSFields(_ index: Int, body: String? = nil) -> [(String, String)] {
        [("MessageSid", marker(index)), ("AccountSid", "AC00000000000000000000000000000000"), ("From", phone(index)),
         ("To", "+22320201234"), ("Body", body ?? "\(marker(index)) coups de feu à Ansongo"), ("NumSegments", "1")]
    }

    func twilioStatusFields(_ index: Int) -> [(String, String)] {
        [("MessageSid", marker(index)), ("MessageStatus", "undelivered"), ("ErrorCode", "30003"), ("To", phone(index))]
    }

    func relayJSON(_ index: Int, text: String? = nil) -> [UInt8] {
        let object: [String: String] = ["id": marker(index), "from": phone(index), "to": "20123",
                                        "text": text ?? "\(marker(index)) affrontement à Niono", "received_at": "2026-11-23T10:15:00Z"]
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    func reportJSON(_ index: Int, text: String? = nil, extra: [String: Any] = [:]) -> [UInt8] {
        var object: [String: Any] = ["text": text ?? "\(marker(index)) vol de motos à Sévaré", "language": "fr", "location_hint": "Sévaré"]
        object.merge(extra) { $1 }
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func twilioSignature(path: String, _ fields: [(String, String)], token: String = twilioToken, base: String = publicBaseURL) -> String {
        WebhookSignature.twilio(authToken: token, url: base + path, parameters: fields)
    }

    static func relaySignature(_ body: [UInt8], secret: String = relaySecret) -> String {
        "sha256=" + WebhookSignature.hmacSHA256Hex(secret: secret, body: body)
    }

    func twilioHeaders(path: String, _ fields: [(String, String)], signature: String? = nil) -> HTTPFields {
        var headers = Self.formType
        headers[HTTPField.Name("X-Twilio-Signature")!] = signature ?? Self.twilioSignature(path: path, fields)
        return headers
    }

    func relayHeaders(_ body: [UInt8], signature: String? = nil) -> HTTPFields {
        var headers = Self.jsonType
        headers[HTTPField.Name("X-Hotline-Signature")!] = signature ?? Self.relaySignature(body)
        return headers
    }

    func operatorHeaders(key: String? = nil, idempotencyKey: String? = nil) -> HTTPFields {
        var headers = Self.jsonType
        headers[.authorization] = "Bearer \(key ?? operatorKey)"
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return headers
    }

    static let atSMSPath = "/v1/inbound/africastalking/sms"
    static let atDeliveryPath = "/v1/inbound/africastalking/delivery"
    static let atUSSDPath = "/v1/inbound/africastalking/ussd"
    static let twilioSMSPath = "/v1/inbound/twilio/sms"
    static let twilioStatusPath = "/v1/inbound/twilio/status"
    static let relayPath = "/v1/inbound/generic/sms"
    static let reportsPath = "/v1/reports"
    static func withToken(_ path: String, _ token: String = atToken) -> String { "\(path)?token=\(percentEncode(token))" }
}

/// SplitMix64: small, fast, and the same sequence on every machine for a given seed.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
