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
        guard let text = rawText, !text.isBlank else {
            throw APIError.badRequest("missing_field", "the message text is required")
        }
        guard text.count <= Self.maximumTextLength else {
            throw APIError(.contentTooLarge, code: "text_too_long", message: "text is limited to \(Self.maximumTextLength) characters")
        }
        let sender = try protect(rawFrom)
        let result = try await repository.acceptSMS(
            key: key, sender: sender, text: text, language: LanguageGuess.of(text), logger: logger)
        IntakeLog.accepted(result, channel: key.channel, sender: sender.pseudonym, logger: logger)
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
    /// - Parameter sender: logged by pseudonym prefix only: enough to follow one sender, useless to identify them.
    static func accepted(_ result: InboundResult, channel: InboundChannel, sender: String? = nil, logger: Logger) {
        // Nothing is built for a line the level drops: the metadata was about 2 % of intake's CPU per webhook.
        let level: Logger.Level = switch result.outcome {
        case .throttled: .warning
        case .deliveryStatus: .debug
        default: .info
        }
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = ["channel": "\(channel.rawValue)", "duplicate": "\(result.isDuplicate)"]
        if let sender { metadata["sender"] = "\(sender.prefix(12))" }
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

    /// The words above packed as lowercase ASCII, one byte each, into a `UInt64`.
    private static let packedEnglishWords = Set(englishWords.compactMap(pack))

    /// One pass over the scalars, no allocation: splitting into words and lowercasing each cost
    /// about 2 % of intake's CPU per webhook in a `perf` profile.
    static func of(_ text: String) -> String {
        var arabic = 0, nko = 0, latin = 0
        var words = 0, english = 0
        var wordLength = 0, wordIsASCII = true, packed: UInt64 = 0
        func endWord() {
            guard wordLength > 0 else { return }
            words += 1
            if wordIsASCII, wordLength <= 8, packedEnglishWords.contains(packed) { english += 1 }
            wordLength = 0
            wordIsASCII = true
            packed = 0
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x0600...0x06FF, 0x0750...0x077F: arabic += 1
            case 0x07C0...0x07FF: nko += 1
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: latin += 1
            default: break
            }
            let lower = value | 0x20
            let alphabetic = value < 0x80 ? (0x61...0x7A).contains(lower) : scalar.properties.isAlphabetic
            guard alphabetic else {
                endWord()
                continue
            }
            if value < 0x80 {
                if wordLength < 8 { packed |= UInt64(lower) << (8 * UInt64(wordLength)) }
            } else {
                wordIsASCII = false
            }
            wordLength += 1
        }
        endWord()
        if arabic > latin && arabic >= nko { return "ar" }
        if nko > latin { return "nqo" }
        return english >= 2 || (english == 1 && words <= 3) ? "en" : "fr"
    }

    private static func pack(_ word: String) -> UInt64? {
        guard word.utf8.count <= 8 else { return nil }
        return word.utf8.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}
