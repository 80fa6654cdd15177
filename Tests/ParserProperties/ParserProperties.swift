import HotlineDomain
import HotlinePrivacy

/// Properties the text parsers must hold for every input, whatever the bytes.
///
/// Shared by the libFuzzer targets in `Fuzzing/` (which crash on a violation, so libFuzzer keeps the
/// input) and by `FuzzCorpusReplayTests` (which replays the seed corpus in the test command).
/// Each check returns the violations it found; an empty list means the input is fine.
public enum ParserProperties {
    /// SMS command classification: deterministic, and a command's shape is exactly what was typed.
    public static func smsCommand(_ bytes: some Collection<UInt8>) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var violations: [String] = []
        let kind = InboundSMSClassifier.classify(text)
        if InboundSMSClassifier.classify(text) != kind { violations.append("classification is not deterministic") }
        let permissive = InboundSMSClassifier.classify(text) { _ in true }
        var code: ReferenceCode?
        switch kind {
        case .reporterCommand(.reply(let rating)):
            if !(1...5).contains(rating) { violations.append("a rating outside 1-5: \(rating)") }
        case .reporterCommand(.status(let status)): code = status
        case .responderCommand(let command): code = command.code
        case .report, .optOut, .optIn: break
        }
        if let code {
            if code.value.count != ReferenceCode.length { violations.append("a code of the wrong length: \(code.value)") }
            if permissive != kind { violations.append("a code that exists changed a command that already had one") }
        }
        if case .responderCommand(let command) = permissive {
            if command.text?.isEmpty == true { violations.append("an empty command text instead of nil") }
            if InboundSMSClassifier.codeCandidate(in: text) != command.code { violations.append("codeCandidate disagrees with classify") }
        }
        return violations
    }

    /// Form decoding: what decodes re-encodes to the same pairs, and nothing else but the three failures escapes.
    public static func formDecoding(_ bytes: some Collection<UInt8>) -> [String] {
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormURLEncoded.parse(bytes)
        } catch {
            return []
        }
        var violations: [String] = []
        if pairs.contains(where: \.name.isEmpty) { violations.append("a pair without a name") }
        let encoded = pairs.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
        do {
            let again = try FormURLEncoded.parse(Array(encoded.utf8))
            if again.map(\.name) != pairs.map(\.name) || again.map(\.value) != pairs.map(\.value) {
                violations.append("re-encoding changed the pairs")
            }
        } catch {
            violations.append("re-encoded pairs no longer parse: \(error)")
        }
        return violations
    }

    /// Phone normalisation: the result is E.164 and normalising it again changes nothing.
    public static func phoneNormalisation(_ bytes: some Collection<UInt8>) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var violations: [String] = []
        for countryCode in ["223", "227", "226", "1"] {
            guard let phone = PhoneNumber.normalise(text, defaultCountryCode: countryCode) else { continue }
            let digits = phone.e164.dropFirst()
            if phone.e164.first != "+" || !(8...15).contains(digits.count) || !digits.allSatisfy({ $0.isASCII && $0.isNumber })
                || digits.first == "0" {
                violations.append("not E.164: \(phone.e164)")
            }
            if PhoneNumber.normalise(phone.e164, defaultCountryCode: countryCode) != phone {
                violations.append("normalising \(phone.e164) again changes it")
            }
            if phone.description.contains(String(digits.suffix(4))) { violations.append("description shows the number") }
        }
        return violations
    }

    static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                output += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return output
    }
}
