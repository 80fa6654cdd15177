import Crypto
import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineRuntime
import Hummingbird

/// `POST /v1/reports`: call-centre operators typing in a call, authenticated by API key.
struct OperatorReportsController: Sendable {
    static let maximumTextLength = 1_600
    static let maximumLocationHintLength = 200
    static let categories: Set<String> = [
        "theft", "armed_attack", "trafficking_weapons_drugs", "human_trafficking", "security_forces_misconduct",
        "land_dispute", "gender_based_violence", "violent_extremism", "corruption", "other",
    ]

    let repository: any IntakeRepository
    let access: AccessStore
    let protector: PIIProtector
    let defaultCountryCode: String

    func addRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.post("reports", use: create)
    }

    struct Body: Decodable {
        var text: String?
        var channel: String?
        var language: String?
        var category: String?
        var locationHint: String?
        var callerPhone: String?
        var anonymous: Bool?

        enum CodingKeys: String, CodingKey {
            case text, channel, language, category, anonymous
            case locationHint = "location_hint"
            case callerPhone = "caller_phone"
        }
    }

    @Sendable func create(request: Request, context: HotlineRequestContext) async throws -> Response {
        let principal = try await access.authenticate(request, allowing: [.operator], logger: context.logger)
        try StrictBody.requireContentType(request, "application/json")
        let raw = Array(buffer: try await StrictBody.collect(request, context: context))
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(raw))
        } catch {
            throw APIError.badRequest("malformed_json", "body is not a valid report object")
        }
        let submission = try validate(body)

        var key: InboundKey?
        if let idempotencyKey = request.headers[.init("Idempotency-Key")!] {
            guard !idempotencyKey.isEmpty, idempotencyKey.utf8.count <= InputLimits.maximumIDBytes else {
                throw APIError.badRequest("bad_idempotency_key", "Idempotency-Key must be 1 to \(InputLimits.maximumIDBytes) bytes")
            }
            key = InboundKey(channel: .operatorAPI, messageID: "\(principal.keyID):\(idempotencyKey)")
        }
        let requestHash = SHA256.hash(data: raw).map { String(format: "%02x", $0) }.joined()
        let result: InboundResult
        do {
            result = try await repository.acceptReport(key: key, requestHash: requestHash, submission: submission, logger: context.logger)
        } catch is IdempotencyConflict {
            throw APIError(.unprocessableContent, code: "idempotency_key_reused",
                           message: "this Idempotency-Key was used with a different request body")
        }
        IntakeLog.accepted(result, channel: .operatorAPI, logger: context.logger)
        guard case .report(let reportID, let code) = result.outcome else {
            throw APIError(.conflict, code: "idempotency_key_reused", message: "this Idempotency-Key belongs to another kind of request")
        }
        var response = try JSONResponse.make(status: .created, [
            "report_id": reportID.description, "reference_code": code.value, "status": "accepted",
        ])
        if result.isDuplicate { response.headers[.init("Idempotent-Replayed")!] = "true" }
        return response
    }

    func validate(_ body: Body) throws -> ReportSubmission {
        guard let rawText = body.text else { throw APIError.badRequest("missing_field", "text is required") }
        try InputLimits.rejectNUL(rawText, body.channel, body.language, body.category, body.locationHint, body.callerPhone, field: "the report's fields")
        let text = rawText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw APIError.badRequest("empty_text", "text must not be empty") }
        guard text.count <= Self.maximumTextLength else {
            throw APIError(.contentTooLarge, code: "text_too_long", message: "text is limited to \(Self.maximumTextLength) characters")
        }
        let channel = try body.channel.map { raw -> ReportChannel in
            guard let channel = ReportChannel(rawValue: raw.lowercased()) else {
                throw APIError.badRequest("unknown_channel", "channel must be one of \(ReportChannel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return channel
        } ?? .operatorDesk
        let language = (body.language ?? "fr").lowercased()
        guard (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw APIError.badRequest("bad_language", "language must be an ISO 639 code such as fr, en, ar, bm or ha")
        }
        if let category = body.category, !Self.categories.contains(category) {
            throw APIError.badRequest("unknown_category", "category must be one of \(Self.categories.sorted().joined(separator: ", "))")
        }
        let hint = body.locationHint?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let hint, hint.count > Self.maximumLocationHintLength {
            throw APIError.badRequest("location_hint_too_long", "location_hint is limited to \(Self.maximumLocationHintLength) characters")
        }
        var reporter: ProtectedPhone?
        if let phone = body.callerPhone, !phone.isEmpty {
            guard body.anonymous != true else {
                throw APIError.badRequest("anonymous_with_phone", "an anonymous report cannot carry the caller's number")
            }
            guard let parsed = PhoneNumber.normalise(phone, defaultCountryCode: defaultCountryCode) else {
                throw APIError.badRequest("bad_phone_number", "caller_phone cannot be read as a phone number")
            }
            reporter = try protector.protect(parsed)
        }
        return ReportSubmission(
            channel: channel, language: language, text: text, locationHint: hint?.isEmpty == true ? nil : hint,
            reporter: reporter, categoryHint: body.category)
    }
}
