import Foundation

/// What an inbound SMS is, decided before anything is stored or routed.
public enum InboundSMSKind: Sendable, Equatable {
    case report
    case reporterCommand(ReporterCommand)
    case responderCommand(ResponderCommand)
    case optOut
    /// START after a STOP: messages to this number may be sent again.
    case optIn
}

/// A reporter's own command: `STATUS <code>`, or a bare 1–5 answering a rating or survey question.
public enum ReporterCommand: Sendable, Equatable, Codable {
    case status(ReferenceCode)
    case reply(Int)
}

/// A committee or college member acting on a case: `<VERB> <code> [text]`.
public struct ResponderCommand: Sendable, Equatable, Codable {
    public enum Verb: String, Sendable, Codable, CaseIterable {
        case acknowledge, note, resolve, refer, dismiss
    }

    public var verb: Verb
    public var code: ReferenceCode
    public var text: String?

    public init(verb: Verb, code: ReferenceCode, text: String?) {
        self.verb = verb
        self.code = code
        self.text = text
    }
}

/// Recognises commands in French and English, case- and accent-insensitively.
///
/// A message is a command only when its shape is exact: a known verb, then a token that is a
/// valid reference code. To keep a report such as "ok bandit armé" from being mistaken for
/// `OK <code>`, the token must contain a digit as typed (every issued code does) unless the
/// caller confirms that the code exists.
public enum InboundSMSClassifier {
    static let optOutWords: Set<String> = ["STOP", "ARRET", "ARRETER", "STOPALL", "UNSUBSCRIBE", "DESABONNER", "DESINSCRIRE", "END", "QUIT", "CANCEL"]
    /// Only the explicit words: a bare "oui" or "ok" may answer a question and must not undo a STOP.
    static let optInWords: Set<String> = ["START", "UNSTOP", "DEMARRER", "REPRENDRE"]
    static let statusWords: Set<String> = ["STATUS", "ETAT", "STATUT", "SUIVI"]
    static let responderVerbs: [String: ResponderCommand.Verb] = [
        "OK": .acknowledge, "ACK": .acknowledge, "RECU": .acknowledge,
        "NOTE": .note,
        "FAIT": .resolve, "DONE": .resolve, "RESOLU": .resolve,
        "REF": .refer, "REFER": .refer,
        "REJ": .dismiss, "REJET": .dismiss, "REJECT": .dismiss,
    ]

    /// - Parameter codeExists: whether a digit-less token is a real, issued reference code.
    public static func classify(_ text: String, codeExists: (ReferenceCode) -> Bool = { _ in false }) -> InboundSMSKind {
        // The verb, the code and the rest: the shape never needs more, and splitting a long
        // report into every word cost more than the rest of classifying it.
        let tokens = text.trimmingWhitespace().split(maxSplits: 2, whereSeparator: { $0.isWhitespace })
        guard let first = tokens.first else { return .report }
        let verb = fold(first)

        if tokens.count == 1, optOutWords.contains(verb) { return .optOut }
        if tokens.count == 1, optInWords.contains(verb) { return .optIn }

        if tokens.count == 1, let rating = Int(verb.trimmingCharacters(in: ".!")), (1...5).contains(rating) {
            return .reporterCommand(.reply(rating))
        }

        guard tokens.count >= 2, let code = ReferenceCode(parsing: String(tokens[1])) else { return .report }
        let typedDigit = tokens[1].contains { $0.isASCII && $0.isNumber }
        guard typedDigit || codeExists(code) else { return .report }

        if statusWords.contains(verb), tokens.count == 2 {
            return .reporterCommand(.status(code))
        }
        if let responderVerb = responderVerbs[verb] {
            let rest = tokens.count > 2 ? tokens[2].split(whereSeparator: { $0.isWhitespace }).joined(separator: " ") : ""
            return .responderCommand(ResponderCommand(verb: responderVerb, code: code, text: rest.isEmpty ? nil : rest))
        }
        return .report
    }

    /// The code a command-shaped message would name, when only an existence check can decide.
    public static func codeCandidate(in text: String) -> ReferenceCode? {
        let tokens = text.trimmingWhitespace().split(maxSplits: 2, whereSeparator: { $0.isWhitespace })
        guard tokens.count >= 2 else { return nil }
        let verb = fold(tokens[0])
        guard statusWords.contains(verb) || responderVerbs[verb] != nil else { return nil }
        return ReferenceCode(parsing: String(tokens[1]))
    }

    /// Upper case without accents, so `État`, `etat` and `ETAT` read alike.
    static func fold(_ word: Substring) -> String {
        // ASCII, as nearly every first word is: Foundation's folding was most of classifying a report.
        if word.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: word.utf8.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self)
        }
        return String(word).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).uppercased()
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }

    func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
