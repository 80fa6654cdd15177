import Foundation
import HotlineDomain
import HotlineRuntime
import Hummingbird

/// The coordinators' API: list, read, act on, and print cases within the caller's jurisdiction.
/// A case outside it answers 404, exactly like one that does not exist.
struct CasesController: Sendable {
    let desk: CaseDesk
    let queries: any CaseQueries
    let access: AccessStore

    static let maximumTextLength = 1_000

    func addRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.get("cases", use: list)
        group.get("cases/:code", use: show)
        group.get("cases/:code/record", use: printable)
        group.post("cases/:code/actions", use: act)
        group.post("cases/:code/hearings", use: hearing)
    }

    private func principal(_ request: Request, _ context: HotlineRequestContext) async throws -> (Principal, CaseScope) {
        let principal = try await access.authenticate(request, allowing: [.coordinator], logger: context.logger)
        return (principal, CaseScope(places: principal.scope, target: principal.target))
    }

    private func code(_ context: HotlineRequestContext) throws -> ReferenceCode {
        guard let raw = context.parameters.get("code"), let code = ReferenceCode(parsing: raw) else {
            throw APIError.badRequest("bad_reference_code", "not a reference code")
        }
        return code
    }

    @Sendable func list(request: Request, context: HotlineRequestContext) async throws -> Response {
        let (_, scope) = try await principal(request, context)
        let query = request.uri.queryParameters
        var filter = CaseFilter()
        filter.state = try query["state"].map { try Self.oneOf(String($0), CaseState.allCases.map(\.rawValue), "state") }
        filter.priority = try query["priority"].map { try Self.oneOf(String($0), CasePriority.allCases.map(\.rawValue), "priority") }
        filter.category = try query["category"].map { try Self.oneOf(String($0), IncidentCategory.allCases.map(\.rawValue), "category") }
        filter.place = query["place"].map(String.init)
        if query["overdue"] == "true" { filter.overdueAt = desk.clock.now() }
        if let limit = query["limit"] {
            guard let value = Int(limit), (1...200).contains(value) else { throw APIError.badRequest("bad_limit", "limit must be 1 to 200") }
            filter.limit = value
        }
        if let after = query["after"] {
            guard let cursor = CaseCursor(String(after)) else { throw APIError.badRequest("bad_cursor", "after is not a cursor from a previous page") }
            filter.after = cursor
        }
        let page = try await queries.list(filter, scope: scope, logger: context.logger)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        struct Page: Encodable {
            var cases: [CaseSummary]
            var next: String?
        }
        return try Self.json(.ok, encoder.encode(Page(cases: page.cases, next: page.next?.text)))
    }

    @Sendable func show(request: Request, context: HotlineRequestContext) async throws -> Response {
        let (_, scope) = try await principal(request, context)
        guard let record = try await desk.records.record(of: try code(context), scope: scope) else { throw Self.notFound }
        let snapshot = record.snapshot
        let history: [[String: Any]] = record.history.map { entry in
            var item: [String: Any] = ["sequence": entry.link.sequence, "kind": entry.link.kind, "actor": entry.link.actorID,
                                       "actor_role": entry.link.actorRole, "channel": entry.link.channel,
                                       "at": CaseRecordRenderer.timestamp(entry.occurredAt), "hash": entry.link.hash]
            item["from"] = entry.link.fromState
            item["to"] = entry.link.toState
            item["target"] = entry.link.target
            item["detail"] = entry.link.detail
            item["rating"] = entry.link.rating
            return item
        }
        var body: [String: Any] = [
            "reference_code": snapshot.referenceCode.value, "state": snapshot.state.rawValue, "priority": snapshot.priority.rawValue,
            "category": snapshot.category.rawValue, "owner": snapshot.owner, "escalation_level": snapshot.escalationLevel,
            "place_lineage": snapshot.placeLineage, "targets": record.targets.map { ["code": $0.code, "type": $0.type, "role": $0.role] },
            "history": history, "audit_hash": record.headHash, "chain_intact": record.chainBreak == nil,
        ]
        body["place_code"] = snapshot.placeCode
        body["pending_referral"] = snapshot.pendingReferral
        body["rating"] = snapshot.rating
        if let due = snapshot.dueAt { body["due_at"] = CaseRecordRenderer.timestamp(due) }
        return try JSONResponse.make(status: .ok, body)
    }

    @Sendable func printable(request: Request, context: HotlineRequestContext) async throws -> Response {
        let (_, scope) = try await principal(request, context)
        guard let record = try await desk.records.record(of: try code(context), scope: scope) else { throw Self.notFound }
        if request.uri.queryParameters["format"] == "text" {
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: .init(string: CaseRecordRenderer.text(record))))
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: .init(string: CaseRecordRenderer.html(record))))
    }

    struct ActionBody: Decodable {
        var action: String?
        var text: String?
        var target: String?
    }

    @Sendable func act(request: Request, context: HotlineRequestContext) async throws -> Response {
        let (principal, scope) = try await principal(request, context)
        let body = try await StrictBody.decodeJSON(request, context: context, as: ActionBody.self)
        let text = (body.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= Self.maximumTextLength else {
            throw APIError(.contentTooLarge, code: "text_too_long", message: "text is limited to \(Self.maximumTextLength) characters")
        }
        let action: CaseAction
        switch body.action {
        case "acknowledge": action = .acknowledge
        case "start": action = .startWork
        case "note": action = .note(text)
        case "resolve": action = .resolve(summary: text)
        case "dismiss": action = .dismiss(reason: text)
        case "reopen": action = .reopen(reason: text)
        case "refer":
            guard let target = body.target, !target.isEmpty else { throw APIError.badRequest("missing_field", "refer needs target") }
            action = .refer(to: target, reason: text.isEmpty ? nil : text)
        default:
            throw APIError.badRequest("bad_action", "action must be acknowledge, start, note, resolve, refer, dismiss or reopen")
        }
        let actor = CaseActor(id: "api:\(principal.keyID)", role: principal.role.rawValue, channel: .api)
        switch try await desk.act(on: try code(context), action, by: actor, authorize: { snapshot in
            guard scope.allows(snapshot) else { throw Self.notFound }
        }) {
        case .done(let snapshot):
            return try JSONResponse.make(status: .ok, ["reference_code": snapshot.referenceCode.value, "state": snapshot.state.rawValue,
                                                       "owner": snapshot.owner])
        case .refused(let refusal):
            throw APIError(.conflict, code: refusal.code.rawValue, message: refusal.message)
        case .unknownCase:
            throw Self.notFound
        }
    }

    @Sendable func hearing(request: Request, context: HotlineRequestContext) async throws -> Response {
        let (principal, scope) = try await principal(request, context)
        let body = try await StrictBody.decodeJSON(request, context: context, as: Hearing.self)
        guard body.decision.count <= Self.maximumTextLength, body.parties.count <= 20, body.parties.allSatisfy({ $0.party.count <= 100 }) else {
            throw APIError(.contentTooLarge, code: "hearing_too_large", message: "at most 20 parties and 1,000 characters of decision")
        }
        let actor = CaseActor(id: "api:\(principal.keyID)", role: principal.role.rawValue, channel: .api)
        switch try await desk.recordHearing(body, on: try code(context), by: actor, authorize: { snapshot in
            guard scope.allows(snapshot) else { throw Self.notFound }
        }) {
        case .recorded(let event):
            return try JSONResponse.make(status: .created, ["sequence": event.sequence, "hash": event.hash])
        case .refused(let reason):
            throw APIError(.unprocessableContent, code: "bad_hearing", message: reason)
        case .unknownCase:
            throw Self.notFound
        }
    }

    static let notFound = APIError(.notFound, code: "unknown_case", message: "no case with this code in your jurisdiction")

    static func oneOf(_ value: String, _ allowed: [String], _ name: String) throws -> String {
        guard allowed.contains(value) else {
            throw APIError.badRequest("bad_\(name)", "\(name) must be one of \(allowed.joined(separator: ", "))")
        }
        return value
    }

    static func json(_ status: HTTPResponse.Status, _ data: Data) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: data)))
    }
}
