import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import HotlineRuntime
import Logging
import PostgresNIO

protocol USSDSessionRepository: Sendable {
    func load(sessionID: String, logger: Logger) async throws -> (pseudonym: String, state: USSDState, lastText: String)?
    func save(sessionID: String, pseudonym: String, state: USSDState, lastText: String, logger: Logger) async throws
    func delete(sessionID: String, logger: Logger) async throws
}

/// Walks a feature phone through the report menu, one Africa's Talking request per screen.
struct USSDController: Sendable {
    let sessions: any USSDSessionRepository
    let gazetteer: GazetteerCache
    let repository: any IntakeRepository
    let protector: PIIProtector
    let configuration: IntakeConfiguration

    func handle(sessionID: String, phoneNumber: String, text: String, logger: Logger) async throws -> String {
        guard sessionID.utf8.count <= InputLimits.maximumIDBytes else { throw APIError.badRequest("bad_session", "sessionId is too long") }
        guard let phone = PhoneNumber.normalise(phoneNumber, defaultCountryCode: configuration.defaultCountryCode) else {
            throw APIError.badRequest("bad_phone_number", "phoneNumber cannot be read as a phone number")
        }
        let sender = try protector.protect(phone)
        let places = try await gazetteer.current(logger: logger)

        var state = USSDState()
        var input: String?
        if !text.isEmpty, let stored = try await sessions.load(sessionID: sessionID, logger: logger), stored.pseudonym == sender.pseudonym {
            if let code = stored.state.completedCode {
                return USSDMenu.thanks(code: code, language: stored.state.language)
            }
            if stored.state.refusedOverLimit == true {
                return "END " + USSDMenu.Text.throttled(stored.state.language)
            }
            state = stored.state
            input = Self.newInput(text: text, previous: stored.lastText)
        }
        let reply = USSDMenu.process(state, input: input, gazetteer: places, country: configuration.country)
        if reply.submit {
            let final = reply.state
            let categoryLabel = USSDMenu.categories.first { $0.key == final.category }.map { USSDMenu.label($0.labels, "fr") } ?? "Signalement"
            let submission = ReportSubmission(
                channel: .ussd, language: final.language, text: final.details ?? "[USSD] \(categoryLabel)",
                locationHint: final.placeCode.flatMap { places.place($0)?.name }, reporter: sender,
                categoryHint: final.category, placeCode: final.placeCode)
            // The session id is the idempotency key: a repeated final screen returns the same code.
            let result = try await repository.acceptReport(
                key: InboundKey(channel: .africasTalkingUSSD, messageID: sessionID), requestHash: nil, submission: submission, logger: logger)
            IntakeLog.accepted(result, channel: .africasTalkingUSSD, logger: logger)
            if case .throttled = result.outcome {
                var refused = final
                refused.refusedOverLimit = true
                try await sessions.save(sessionID: sessionID, pseudonym: sender.pseudonym, state: refused, lastText: text, logger: logger)
                return "END " + USSDMenu.Text.throttled(final.language)
            }
            guard case .report(_, let code) = result.outcome else {
                try await sessions.delete(sessionID: sessionID, logger: logger)
                return "END " + USSDMenu.Text.cancelled(final.language)
            }
            var completed = final
            completed.completedCode = code.value
            try await sessions.save(sessionID: sessionID, pseudonym: sender.pseudonym, state: completed, lastText: text, logger: logger)
            return USSDMenu.thanks(code: code.value, language: final.language)
        }
        if reply.ends {
            try await sessions.delete(sessionID: sessionID, logger: logger)
        } else {
            try await sessions.save(sessionID: sessionID, pseudonym: sender.pseudonym, state: reply.state, lastText: text, logger: logger)
        }
        return reply.rendered
    }

    /// Africa's Talking sends every input so far joined by `*`; the new input is what follows
    /// the text we saw last time, which keeps a `*` typed inside free text intact.
    static func newInput(text: String, previous: String) -> String {
        if previous.isEmpty { return text }
        if text.hasPrefix(previous + "*") { return String(text.dropFirst(previous.count + 1)) }
        return String(text.split(separator: "*", omittingEmptySubsequences: false).last ?? "")
    }
}

struct PostgresUSSDSessionStore: USSDSessionRepository {
    let postgres: PostgresClient
    let lifetimeSeconds: Int

    func load(sessionID: String, logger: Logger) async throws -> (pseudonym: String, state: USSDState, lastText: String)? {
        let rows = try await postgres.query("""
            SELECT sender_pseudonym, state::text, last_text FROM intake.ussd_sessions
            WHERE session_id = \(sessionID) AND expires_at > now()
            """, logger: logger)
        for try await (pseudonym, stateJSON, lastText) in rows.decode((String, String, String).self) {
            guard let state = try? JSONDecoder().decode(USSDState.self, from: Data(stateJSON.utf8)) else { return nil }
            return (pseudonym, state, lastText)
        }
        return nil
    }

    func save(sessionID: String, pseudonym: String, state: USSDState, lastText: String, logger: Logger) async throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await postgres.query("""
            INSERT INTO intake.ussd_sessions (session_id, sender_pseudonym, state, last_text, expires_at)
            VALUES (\(sessionID), \(pseudonym), \(json)::jsonb, \(lastText), now() + make_interval(secs => \(lifetimeSeconds)))
            ON CONFLICT (session_id) DO UPDATE SET state = EXCLUDED.state, last_text = EXCLUDED.last_text,
                expires_at = EXCLUDED.expires_at, sender_pseudonym = EXCLUDED.sender_pseudonym
            """, logger: logger)
        if lastText.isEmpty {
            // A new session is a good moment to sweep abandoned ones.
            try await postgres.query("DELETE FROM intake.ussd_sessions WHERE expires_at < now() - interval '1 hour'", logger: logger)
        }
    }

    func delete(sessionID: String, logger: Logger) async throws {
        try await postgres.query("DELETE FROM intake.ussd_sessions WHERE session_id = \(sessionID)", logger: logger)
    }
}

/// The gazetteer as last loaded by `hotlinectl seed`, refreshed at most once a minute.
actor GazetteerCache {
    private let store: ReferenceStore
    private var cached: (gazetteer: Gazetteer, loadedAt: ContinuousClock.Instant)?

    init(store: ReferenceStore) { self.store = store }

    func current(logger: Logger) async throws -> Gazetteer {
        if let cached, ContinuousClock.now - cached.loadedAt < .seconds(60) { return cached.gazetteer }
        let fresh = try await store.loadGazetteer(logger: logger)
        cached = (fresh, .now)
        return fresh
    }
}
