import Foundation
import HTTPTypes
import HotlinePrivacy

/// Forged and replayed credentials, duplicates, content types, injection and valid controls.
extension HostileCorpus {
    // MARK: Forged signatures and tokens

    mutating func addForged() {
        let index = nextIndex
        var request: Request
        switch number(0...3) {
        case 0:
            let path = chance(70) ? Self.twilioSMSPath : Self.twilioStatusPath
            let fields = path == Self.twilioSMSPath ? twilioSMSFields(index) : twilioStatusFields(index)
            let good = Self.twilioSignature(path: path, fields)
            var body = Self.formBytes(fields)
            var signature: String? = nil
            let variants = ["missing", "empty", "wrong token", "other path", "http scheme", "other host", "added query", "trailing slash",
                            "tampered value", "field added after signing", "field removed after signing", "random base64", "truncated",
                            "one character flipped", "lower-cased", "whitespace appended", "unpadded", "HMAC-SHA256", "signature of no fields",
                            "token as signature", "duplicate signature header"]
            let variant = pick(variants)
            var headers = Self.formType
            switch variant {
            case "missing": break
            case "empty": signature = ""
            case "wrong token": signature = Self.twilioSignature(path: path, fields, token: "guessed-\(number(0...999))")
            case "other path": signature = Self.twilioSignature(path: path == Self.twilioSMSPath ? Self.twilioStatusPath : Self.twilioSMSPath, fields)
            case "http scheme": signature = Self.twilioSignature(path: path, fields, base: "http://hotline.test")
            case "other host": signature = Self.twilioSignature(path: path, fields, base: "https://evil.example")
            case "added query": signature = Self.twilioSignature(path: path + "?x=1", fields)
            case "trailing slash": signature = Self.twilioSignature(path: path + "/", fields)
            case "tampered value":
                var tampered = fields
                tampered[fields.count - 2].1 += "!"
                signature = Self.twilioSignature(path: path, tampered)
            case "field added after signing":
                signature = good
                body += Array("&Injected=1".utf8)
            case "field removed after signing":
                signature = good
                body = Self.formBytes(Array(fields.dropLast()))
            case "random base64": signature = Data((0..<20).map { _ in UInt8.random(in: 0...255, using: &random) }).base64EncodedString()
            case "truncated": signature = String(good.dropLast(number(1...10)))
            case "one character flipped":
                var characters = Array(good)
                let position = number(0...(characters.count - 2))
                characters[position] = characters[position] == "A" ? "B" : "A"
                signature = String(characters)
            case "lower-cased": signature = good.lowercased() == good ? good + "x" : good.lowercased()
            case "whitespace appended": signature = good + " x"
            case "unpadded": signature = good.trimmingCharacters(in: CharacterSet(charactersIn: "=")) + "A"
            case "HMAC-SHA256": signature = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: Self.twilioToken, body: body)
            case "signature of no fields": signature = Self.twilioSignature(path: path, [])
            case "token as signature": signature = Self.twilioToken
            default:
                // The forged value first, the good one second: the first is what must be judged.
                headers.append(HTTPField(name: HTTPField.Name("X-Twilio-Signature")!, value: "forged"))
                headers.append(HTTPField(name: HTTPField.Name("X-Twilio-Signature")!, value: good))
            }
            if let signature { headers[HTTPField.Name("X-Twilio-Signature")!] = signature }
            request = Request(index: index, category: .forged, variant: "twilio: \(variant)", uri: path, headers: headers, body: body,
                              expectation: .forged(.forbidden))
        case 1:
            let body = relayJSON(index)
            let good = Self.relaySignature(body)
            var sent = body
            let variants = ["missing", "empty", "prefix only", "wrong secret", "sha1 prefix", "no prefix", "upper-case prefix", "truncated",
                            "one digit flipped", "other body", "newline appended to body", "secret with newline", "base64 instead of hex",
                            "signature of the empty body", "duplicate signature header"]
            let variant = pick(variants)
            var headers = Self.jsonType
            var signature: String? = nil
            switch variant {
            case "missing": break
            case "empty": signature = ""
            case "prefix only": signature = "sha256="
            case "wrong secret": signature = Self.relaySignature(body, secret: "guess-\(number(0...999))")
            case "sha1 prefix": signature = "sha1=" + good.dropFirst(7)
            case "no prefix": signature = String(good.dropFirst(7))
            case "upper-case prefix": signature = "SHA256=" + good.dropFirst(7)
            case "truncated": signature = String(good.dropLast(number(1...10)))
            case "one digit flipped": signature = String(good.dropLast()) + (good.last == "0" ? "1" : "0")
            case "other body": signature = Self.relaySignature(relayJSON(index + 1_000_000))
            case "newline appended to body":
                signature = good
                sent = body + [UInt8(ascii: "\n")]
            case "secret with newline": signature = Self.relaySignature(body, secret: Self.relaySecret + "\n")
            case "base64 instead of hex":
                signature = "sha256=" + Data(HMACBytes.sha256(secret: Self.relaySecret, body: body)).base64EncodedString()
            case "signature of the empty body": signature = Self.relaySignature([])
            default:
                headers.append(HTTPField(name: HTTPField.Name("X-Hotline-Signature")!, value: "sha256=00"))
                headers.append(HTTPField(name: HTTPField.Name("X-Hotline-Signature")!, value: good))
            }
            if let signature { headers[HTTPField.Name("X-Hotline-Signature")!] = signature }
            request = Request(index: index, category: .forged, variant: "relay: \(variant)", uri: Self.relayPath, headers: headers, body: sent,
                              expectation: .forged(.forbidden))
        case 2:
            let tokens: [(String, String)] = [
                ("missing", Self.atSMSPath), ("empty", "\(Self.atSMSPath)?token="), ("wrong", Self.withToken(Self.atSMSPath, "wrong")),
                ("prefix", Self.withToken(Self.atSMSPath, String(Self.atToken.dropLast()))),
                ("suffix", Self.withToken(Self.atSMSPath, Self.atToken + "x")),
                ("upper-case", Self.withToken(Self.atSMSPath, Self.atToken.uppercased())),
                ("padded", Self.withToken(Self.atSMSPath, " \(Self.atToken) ")),
                ("array syntax", "\(Self.atSMSPath)?token[]=\(Self.atToken)"), ("other name", "\(Self.atSMSPath)?Token=\(Self.atToken)"),
                ("wrong then right", "\(Self.atSMSPath)?token=wrong&token=\(Self.atToken)"),
                ("right then wrong", "\(Self.atSMSPath)?token=\(Self.atToken)&token=wrong"),
                ("in the body", Self.atSMSPath), ("delivery, wrong", Self.withToken(Self.atDeliveryPath, "x")),
                ("ussd, missing", Self.atUSSDPath),
            ]
            let (variant, uri) = pick(tokens)
            var fields = uri.hasPrefix(Self.atDeliveryPath) ? atDeliveryFields(index) : uri.hasPrefix(Self.atUSSDPath) ? atUSSDFields(index) : atSMSFields(index)
            if variant == "in the body" { fields.append(("token", Self.atToken)) }
            request = Request(index: index, category: .forged, variant: "AT token: \(variant)", uri: uri, headers: Self.formType,
                              body: Self.formBytes(fields), expectation: .forged(.forbidden))
        default:
            let keys: [(String, String?, HTTPResponse.Status)] = [
                ("missing", nil, .unauthorized), ("empty bearer", "Bearer ", .unauthorized), ("wrong key", "Bearer hk_guess_\(number(0...99_999))", .unauthorized),
                ("revoked key", "Bearer \(revokedKey)", .unauthorized), ("key with suffix", "Bearer \(operatorKey)x", .unauthorized),
                ("truncated key", "Bearer \(operatorKey.dropLast())", .unauthorized), ("basic scheme", "Basic \(operatorKey)", .unauthorized),
                ("coordinator key", "Bearer \(coordinatorKey)", .forbidden), ("key without scheme", operatorKey, .unauthorized),
                ("SQL as key", "Bearer ' OR '1'='1", .unauthorized),
            ]
            let (variant, authorization, status) = pick(keys)
            var headers = Self.jsonType
            if let authorization { headers[.authorization] = authorization }
            headers[HTTPField.Name("Idempotency-Key")!] = marker(index)
            request = Request(index: index, category: .forged, variant: "reports: \(variant)", uri: Self.reportsPath, headers: headers,
                              body: reportJSON(index), expectation: .forged(status))
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }

    // MARK: Replays

    /// A valid original, then its signature replayed elsewhere or over another body, then the
    /// exact request again (answered the same, storing nothing new).
    mutating func addReplay() {
        let original = nextIndex
        let tamperedIndex = original + 1
        if chance(50) {
            let fields = twilioSMSFields(original)
            let signature = Self.twilioSignature(path: Self.twilioSMSPath, fields)
            let exact = Request(index: 0, category: .replay, variant: "twilio: original", uri: Self.twilioSMSPath,
                                headers: twilioHeaders(path: Self.twilioSMSPath, fields), body: Self.formBytes(fields), expectation: .accepted,
                                markers: [marker(original)], phones: [phone(original)])
            append(exact, group: original)
            var tampered = fields
            tampered[4].1 = "\(marker(tamperedIndex)) bétail rendu, fausse alerte"
            append(Request(index: 0, category: .replay, variant: "twilio: signature replayed over another Body", uri: Self.twilioSMSPath,
                           headers: twilioHeaders(path: Self.twilioSMSPath, tampered, signature: signature), body: Self.formBytes(tampered),
                           expectation: .forged(.forbidden), markers: [marker(tamperedIndex)]), group: original)
            append(Request(index: 0, category: .replay, variant: "twilio: signature replayed to the status URL", uri: Self.twilioStatusPath,
                           headers: twilioHeaders(path: Self.twilioStatusPath, fields, signature: signature), body: Self.formBytes(fields),
                           expectation: .forged(.forbidden), markers: [marker(original)], phones: [phone(original)]), group: original)
            append(Request(index: 0, category: .replay, variant: "twilio: exact replay", uri: exact.uri, headers: exact.headers, body: exact.body,
                           expectation: .accepted, markers: [marker(original)], phones: [phone(original)]), group: original)
        } else {
            let body = relayJSON(original)
            let signature = Self.relaySignature(body)
            let exact = Request(index: 0, category: .replay, variant: "relay: original", uri: Self.relayPath, headers: relayHeaders(body),
                                body: body, expectation: .accepted, markers: [marker(original)], phones: [phone(original)])
            append(exact, group: original)
            let other = relayJSON(tamperedIndex)
            append(Request(index: 0, category: .replay, variant: "relay: signature replayed over another body", uri: Self.relayPath,
                           headers: relayHeaders(other, signature: signature), body: other, expectation: .forged(.forbidden),
                           markers: [marker(tamperedIndex)], phones: [phone(tamperedIndex)]), group: original)
            append(Request(index: 0, category: .replay, variant: "relay: exact replay", uri: exact.uri, headers: exact.headers, body: exact.body,
                           expectation: .accepted, markers: [marker(original)], phones: [phone(original)]), group: original)
        }
    }
}

enum HMACBytes {
    static func sha256(secret: String, body: [UInt8]) -> [UInt8] {
        let hex = WebhookSignature.hmacSHA256Hex(secret: secret, body: body)
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
