import ArgumentParser
import Foundation
import HotlineDomain
import NotificationService

struct SMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms", abstract: "SMS whose fate the gateway could not tell, and an operator's decision on each.",
        discussion: """
            A message claimed and perhaps sent, whose result was never recorded (a crash, a gateway that never \
            answered), is `unknown`. Twilio is asked automatically; Africa's Talking cannot be, so such a message \
            waits here. Check the gateway's own records, then resend it (if it never left) or abandon it. Either is \
            recorded in the message's history with your name and reason, and published as its new status.
            """,
        subcommands: [Unknown.self, Resend.self, Abandon.self])

    struct Unknown: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List unknown messages, oldest first (no numbers).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            let messages = try await withDatabase { client, logger in
                try await UnknownMessages(postgres: client, operatorName: "hotlinectl").list(limit: limit, logger: logger)
            }
            let lines = messages.map { message in
                [message.notificationID, message.referenceCode ?? "-", message.template, message.priority,
                 message.provider ?? "-", message.claimedAt.map { Timestamp.format($0) } ?? "-",
                 message.awaitingGateway ? "being checked with the gateway" : (message.reason ?? "")].joined(separator: "  ")
            }
            try emit(options.json, text: messages.isEmpty ? "no unknown messages" : lines.joined(separator: "\n"), object: [
                "messages": messages.map { message -> [String: Any] in
                    ["notification_id": message.notificationID, "reference_code": message.referenceCode as Any, "template": message.template,
                     "audience": message.audience, "priority": message.priority, "provider": message.provider as Any,
                     "attempts": message.attempts, "claimed_at": message.claimedAt.map { Timestamp.format($0) } as Any,
                     "reason": message.reason as Any, "awaiting_gateway": message.awaitingGateway]
                },
            ])
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue one unknown message again. Only after checking at the gateway that it never left: otherwise it arrives twice.")
        @OptionGroup var decision: DecisionOptions

        func run() async throws { try await decision.apply(.resend) }
    }

    struct Abandon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give up on one unknown message: it becomes failed.")
        @OptionGroup var decision: DecisionOptions

        func run() async throws { try await decision.apply(.abandon) }
    }
}

struct DecisionOptions: ParsableArguments {
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The message's notification id (from `hotlinectl sms unknown`).") var notificationID: String
    @Option(help: "Why, for the history: what the gateway's records showed.") var reason: String
    @Option(help: "Who decides, for the history.") var by = ProcessInfo.processInfo.environment["USER"] ?? "operator"

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
    }

    func apply(_ decision: UnknownMessages.Decision) async throws {
        let (id, reason, by) = (notificationID, reason, by)
        let applied = try await withDatabase { client, logger in
            try await UnknownMessages(postgres: client, operatorName: by).decide(decision, on: id, reason: reason, logger: logger)
        }
        guard applied else {
            throw ValidationError("\(id) is not an unknown message awaiting a decision (already decided, or still being checked with the gateway)")
        }
        try emit(options.json, text: "\(id): \(decision == .resend ? "queued again" : "abandoned (failed)")",
                 object: ["notification_id": id, "decision": decision.rawValue])
    }
}
