import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineRuntime
import Logging

/// What every SMS channel shares once the gateway's own format and authentication are dealt with.
struct InboundSMSHandler: Sendable {
    static let maximumTextLength = 1_600

    let repository: any IntakeRepository
    let protector: PIIProtector
    let defaultCountryCode: String

    /// Validates, protects the sender's number, and stores the message idempotently.
    func accept(key: InboundKey, from rawFrom: String?, text rawText: String?, logger: Logger) async throws -> InboundResult {
        guard let rawFrom, !rawFrom.isEmpty else { throw APIError.badRequest("missing_field", "the sender number is required") }
        guard let text = rawText, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.badRequest("missing_field", "the message text is required")
        }
        guard text.count <= Self.maximumTextLength else {
            throw APIError(.contentTooLarge, code: "text_too_long", message: "text is limited to \(Self.maximumTextLength) characters")
        }
        let sender = try protect(rawFrom)
        // Logged by pseudonym prefix only: enough to follow one sender, useless to identify them.
        var logger = logger
        logger[metadataKey: "sender"] = "\(sender.pseudonym.prefix(12))"
        let result = try await repository.acceptSMS(
            key: key, sender: sender, text: text, language: LanguageGuess.of(text), logger: logger)
        IntakeLog.accepted(result, channel: key.channel, logger: logger)
        return result
    }

    func protect(_ raw: String) throws -> ProtectedPhone {
        guard let phone = PhoneNumber.normalise(raw, defaultCountryCode: defaultCountryCode) else {
            throw APIError.badRequest("bad_phone_number", "the sender number cannot be read as a phone number")
        }
        return try protector.protect(phone)
    }
}

enum IntakeLog {
    static func accepted(_ result: InboundResult, channel: InboundChannel, logger: Logger) {
        var metadata: Logger.Metadata = ["channel": "\(channel.rawValue)", "duplicate": "\(result.isDuplicate)"]
        switch result.outcome {
        case .report(let id, let code):
            metadata["report_id"] = "\(id)"
            metadata["reference_code"] = "\(code)"
            logger.info("report accepted", metadata: metadata)
        case .command: logger.info("command accepted", metadata: metadata)
        case .optOut: logger.info("opt-out accepted", metadata: metadata)
        case .optIn: logger.info("opt-in accepted", metadata: metadata)
        case .throttled: logger.warning("sender over hourly limit; stored, not routed", metadata: metadata)
        case .deliveryStatus: logger.debug("delivery report accepted", metadata: metadata)
        }
    }
}

/// A first guess at the language of an SMS; routing's classifier refines it.
enum LanguageGuess {
    static let englishWords: Set<String> = ["the", "and", "help", "stolen", "attack", "attacked", "men", "please", "police", "is", "are", "my"]

    static func of(_ text: String) -> String {
        var arabic = 0, nko = 0, latin = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0600...0x06FF, 0x0750...0x077F: arabic += 1
            case 0x07C0...0x07FF: nko += 1
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: latin += 1
            default: break
            }
        }
        if arabic > latin && arabic >= nko { return "ar" }
        if nko > latin { return "nqo" }
        // Scalars, not Characters: grapheme breaking every report cost more than the guess.
        let words = text.unicodeScalars.split { !($0.properties.isAlphabetic) }
        let english = words.filter { word in
            word.count <= 8 && word.allSatisfy(\.isASCII) && englishWords.contains(String(word).lowercased())
        }.count
        return english >= 2 || (english == 1 && words.count <= 3) ? "en" : "fr"
    }
}
