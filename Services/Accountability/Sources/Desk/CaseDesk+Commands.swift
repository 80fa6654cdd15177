import Foundation
import HotlineDomain
import HotlineStorage
import Logging
import PostgresNIO

/// SMS commands from responders and reporters, opt-outs and opt-ins. Each command is applied once and
/// answered once: the inbox mark, the change and the reply commit together.
extension CaseDesk {
    package func handle(_ envelope: EventEnvelope<CommandReceived>) async throws {
        let inbox = Inbox(schema: .accountability, consumer: "accountability.commands")
        let command = envelope.data
        try await postgres.inTransaction(logger: logger) { connection in
            guard try await inbox.markProcessed(eventID: envelope.id, on: connection, logger: logger) else { return }
            switch command.kind {
            case .optOut:
                try await recordOptOut(command, on: connection)
            case .optIn:
                try await recordOptIn(command, on: connection)
            case .responderCommand:
                guard let responder = command.responderCommand else { return }
                try await handleResponder(responder, from: command, on: connection)
            case .reporterCommand:
                switch command.reporterCommand {
                case .status(let code)?: try await answerStatus(code, from: command, on: connection)
                case .reply(let value)?: try await recordReply(value, from: command, on: connection)
                case nil: return
                }
            }
        }
    }

    private func recordOptOut(_ command: CommandReceived, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO accountability.opt_outs (pseudonym, opted_out_at) VALUES (\(command.sender.pseudonym), \(clock.now()))
            ON CONFLICT DO NOTHING
            """, logger: logger)
        try await connection.query("DELETE FROM accountability.pending_replies WHERE pseudonym = \(command.sender.pseudonym)", logger: logger)
        logger.info("opt-out recorded", metadata: ["command_id": "\(command.commandID)"])
    }

    /// Updates, rating questions and surveys reach the reporter again; questions dropped at the
    /// STOP stay dropped.
    private func recordOptIn(_ command: CommandReceived, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM accountability.opt_outs WHERE pseudonym = \(command.sender.pseudonym)", logger: logger)
        logger.info("opt-in recorded", metadata: ["command_id": "\(command.commandID)"])
    }

    private func handleResponder(_ responder: ResponderCommand, from command: CommandReceived, on connection: PostgresConnection) async throws {
        let directory = try await directory.directory(logger: logger)
        let reply = { (template: String, parameters: [String: String], language: String) in
            CaseMessages.reply(to: command.sender, commandID: command.commandID, audience: "member", template: template,
                               parameters: parameters, language: language, code: responder.code)
        }
        guard let member = directory.membersByPseudonym[command.sender.pseudonym] else {
            // Reveals nothing: not whether the code exists, nor that this is a responder line.
            try await publish([], notifications: [CaseMessages.reply(
                to: command.sender, commandID: command.commandID, audience: "unknown", template: "neutral.received",
                language: settings.defaultLanguage)], on: connection)
            logger.notice("responder command from an unregistered number", metadata: ["command_id": "\(command.commandID)"])
            return
        }
        let actor = CaseActor(id: member.memberID, role: member.role.rawValue, channel: .sms, target: member.targetCode)
        let action: CaseAction
        let text = responder.text ?? ""
        switch responder.verb {
        case .acknowledge: action = .acknowledge
        case .note: action = .note(text)
        case .resolve: action = .resolve(summary: text)
        case .dismiss: action = .dismiss(reason: text)
        case .refer:
            let words = text.split(separator: " ", maxSplits: 1)
            let reason = words.count > 1 ? String(words[1]) : nil
            action = .refer(to: words.first.map { $0.uppercased() } ?? "", reason: reason)
        }
        let parameters = ["reference_code": responder.code.value, "action": responder.verb.rawValue]
        switch try await act(on: responder.code, action, by: actor, on: connection) {
        case .done(let snapshot):
            try await publish([], notifications: [reply("member.command_ok", parameters.merging(["state": snapshot.state.rawValue]) { $1 },
                                                        member.language)], on: connection)
        case .refused(let refusal):
            try await publish([], notifications: [reply("member.error.\(refusal.code.rawValue)", parameters, member.language)], on: connection)
            logger.info("responder command refused", metadata: ["reference_code": "\(responder.code)", "reason": "\(refusal.code.rawValue)"])
        case .unknownCase:
            try await publish([], notifications: [reply("member.error.unknown_code", parameters, member.language)], on: connection)
        }
    }

    /// `STATUS <code>`: the state in the reporter's language, and only to the reporter's own number.
    private func answerStatus(_ code: ReferenceCode, from command: CommandReceived, on connection: PostgresConnection) async throws {
        let rows = try await connection.query("""
            SELECT case_id, state, reporter_language FROM accountability.cases
            WHERE reference_code = \(code.value) AND reporter_pseudonym = \(command.sender.pseudonym)
            """, logger: logger)
        var found: (UUID, String, String)?
        for try await row in rows.decode((UUID, String, String).self) { found = row }
        let request: NotificationRequested
        if let (caseID, state, language) = found {
            request = CaseMessages.reply(to: command.sender, commandID: command.commandID, audience: "reporter", template: "reporter.status",
                                         parameters: ["reference_code": code.value, "state": state], language: language,
                                         caseID: caseID, code: code)
        } else {
            // Same words whether the code is unknown or someone else's.
            request = CaseMessages.reply(to: command.sender, commandID: command.commandID, audience: "reporter",
                                         template: "reporter.status_unknown", language: settings.defaultLanguage)
        }
        try await publish([], notifications: [request], on: connection)
    }

    /// A bare 1–5: the rating of a resolved case, or a perception survey answer stored by area only.
    private func recordReply(_ value: Int, from command: CommandReceived, on connection: PostgresConnection) async throws {
        let now = clock.now()
        let rows = try await connection.query("""
            DELETE FROM accountability.pending_replies WHERE pseudonym = \(command.sender.pseudonym) AND expires_at > \(now)
            RETURNING kind, case_id, area_code, question_id, language
            """, logger: logger)
        var pending: (String, UUID?, String?, String?, String)?
        for try await row in rows.decode((String, UUID?, String?, String?, String).self) { pending = row }
        guard let (kind, caseID, area, question, language) = pending else {
            logger.info("reply with no question pending ignored", metadata: ["command_id": "\(command.commandID)"])
            return
        }
        if kind == "rating", let caseID, let snapshot = try await ledger.lock(caseID: caseID, on: connection) {
            var rated = snapshot
            rated.rating = value
            let decision = CaseDecision(snapshot: rated, events: [PendingCaseEvent(kind: .rated, rating: value)], effects: [])
            let events = try await ledger.record(decision, by: CaseActor(id: "reporter", role: "reporter", channel: .sms), at: now, on: connection)
            try await publish(events, notifications: [CaseMessages.reply(
                to: command.sender, commandID: command.commandID, audience: "reporter", template: "reporter.rating_thanks",
                parameters: ["reference_code": snapshot.referenceCode.value], language: snapshot.reporterLanguage,
                caseID: caseID, code: snapshot.referenceCode)], on: connection)
        } else if kind == "survey", let area, let question {
            let answer = SurveyAnswered(answerID: UUID.random(), questionID: question, areaCode: area, answeredOn: Self.day(now), score: value)
            try await connection.query("""
                INSERT INTO accountability.survey_answers (answer_id, question_id, area_code, answered_on, score)
                VALUES (\(answer.answerID), \(question), \(area), \(answer.answeredOn)::date, \(value))
                """, logger: logger)
            try await outbox.enqueue(
                try .envelope(topic: Topic.caseEvents, key: area, source: Self.source, type: SurveyAnswered.eventType, data: answer),
                on: connection, logger: logger)
            try await publish([], notifications: [CaseMessages.reply(
                to: command.sender, commandID: command.commandID, audience: "reporter", template: "reporter.survey_thanks",
                language: language)], on: connection)
        }
    }

    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
