import Foundation
import HotlineDomain
import HotlineRuntime
import Hummingbird

/// `POST /v1/reports`: a report typed in by an operator or sent by a partner system.
struct ReportsController<Repository: ReportRepository>: Sendable {
    let repository: Repository

    static var maximumTextLength: Int { 1_600 }
    static var maximumLocationHintLength: Int { 200 }

    func addRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.post("reports", use: create)
    }

    struct Body: Decodable {
        var text: String?
        var channel: String?
        var language: String?
        var locationHint: String?

        enum CodingKeys: String, CodingKey {
            case text, channel, language
            case locationHint = "location_hint"
        }
    }

    @Sendable func create(request: Request, context: HotlineRequestContext) async throws -> Response {
        let body: Body = try await StrictBody.decodeJSON(request, context: context)
        let submission = try validate(body)
        let accepted = try await repository.accept(submission, logger: context.logger)
        context.logger.info("report accepted", metadata: [
            "report_id": "\(accepted.reportID)", "reference_code": "\(accepted.referenceCode)",
            "channel": "\(submission.channel.rawValue)",
        ])
        return try JSONResponse.make(status: .accepted, [
            "report_id": accepted.reportID.description,
            "reference_code": accepted.referenceCode.value,
            "status": "accepted",
        ])
    }

    func validate(_ body: Body) throws -> ReportSubmission {
        guard let rawText = body.text else { throw APIError.badRequest("missing_field", "text is required") }
        let text = rawText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw APIError.badRequest("empty_text", "text must not be empty") }
        guard text.count <= Self.maximumTextLength else {
            throw APIError(.contentTooLarge, code: "text_too_long", message: "text is limited to \(Self.maximumTextLength) characters")
        }
        guard let rawChannel = body.channel else { throw APIError.badRequest("missing_field", "channel is required") }
        guard let channel = ReportChannel(rawValue: rawChannel.lowercased()) else {
            throw APIError.badRequest("unknown_channel", "channel must be one of \(ReportChannel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let language = (body.language ?? "fr").lowercased()
        guard (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw APIError.badRequest("bad_language", "language must be an ISO 639 code such as fr, en, ar, bm or ha")
        }
        let hint = body.locationHint?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let hint, hint.count > Self.maximumLocationHintLength {
            throw APIError.badRequest("location_hint_too_long", "location_hint is limited to \(Self.maximumLocationHintLength) characters")
        }
        return ReportSubmission(channel: channel, language: language, text: text, locationHint: hint?.isEmpty == true ? nil : hint)
    }
}
