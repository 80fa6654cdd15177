import Foundation
import HTTPTypes

/// The categories of issue 8: invalid UTF-8, truncation, huge fields, duplicates, content types,
/// injection. Forgeries and replays are in HostileCorpus+Forgeries.swift.
extension HostileCorpus {
    mutating func add(_ category: Category) {
        switch category {
        case .invalidUTF8: addInvalidUTF8()
        case .truncated: addTruncated()
        case .huge: addHuge()
        case .duplicates: addDuplicates()
        case .contentType: addContentType()
        case .injection: addInjection()
        case .forged: addForged()
        case .replay: addReplay()
        case .valid: addValid()
        }
    }

    /// A form request for one of the three Africa's Talking endpoints or Twilio SMS, with `fields`.
    mutating func formRequest(_ category: Category, _ variant: String, fields: [(String, String)], index: Int,
                              expectation: Expectation, channel: Int) -> Request {
        let body = Self.formBytes(fields)
        switch channel % 4 {
        case 0: return Request(index: index, category: category, variant: "AT sms: \(variant)", uri: Self.withToken(Self.atSMSPath),
                               headers: Self.formType, body: body, expectation: expectation)
        case 1: return Request(index: index, category: category, variant: "AT delivery: \(variant)", uri: Self.withToken(Self.atDeliveryPath),
                               headers: Self.formType, body: body, expectation: expectation)
        case 2: return Request(index: index, category: category, variant: "AT ussd: \(variant)", uri: Self.withToken(Self.atUSSDPath),
                               headers: Self.formType, body: body, expectation: expectation)
        default: return Request(index: index, category: category, variant: "twilio sms: \(variant)", uri: Self.twilioSMSPath,
                                headers: twilioHeaders(path: Self.twilioSMSPath, fields), body: body, expectation: expectation)
        }
    }

    func fields(forChannel channel: Int, _ index: Int) -> [(String, String)] {
        switch channel % 4 {
        case 0: atSMSFields(index)
        case 1: atDeliveryFields(index)
        case 2: atUSSDFields(index)
        default: twilioSMSFields(index)
        }
    }

    // MARK: Invalid UTF-8

    mutating func addInvalidUTF8() {
        let index = nextIndex
        let channel = number(0...5)
        let escape = pick(HostilePayloads.invalidUTF8Escapes)
        let raw = pick(HostilePayloads.invalidUTF8Bytes)
        var request: Request
        switch channel {
        case 0...3:
            // A valid form whose one field (sometimes its name) decodes to invalid UTF-8.
            var pairs = fields(forChannel: channel, index).map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }
            let target = number(1...(pairs.count - 1))
            let asRawBytes = chance(30)
            if chance(15) {
                pairs[target] = "na\(escape)me=" + pairs[target].split(separator: "=", maxSplits: 1).last!
            }
            var body = Array(pairs.joined(separator: "&").utf8)
            if asRawBytes { body += Array("&text=".utf8) + raw } else { body += Array("&note=x\(escape)y".utf8) }
            request = formRequest(.invalidUTF8, asRawBytes ? "raw invalid bytes" : "escape \(escape)", fields: [], index: index,
                                  expectation: .rejected, channel: channel)
            request.body = body
            if channel == 3 {
                // Twilio parses the form first: a body that is not UTF-8 never reaches the signature.
                request.headers[HTTPField.Name("X-Twilio-Signature")!] = Self.twilioSignature(path: Self.twilioSMSPath, twilioSMSFields(index))
            }
        case 4:
            // The relay signs whatever bytes it sends: a correct signature over invalid UTF-8 JSON.
            var body = Array(#"{"id":"\#(marker(index))","from":"\#(phone(index))","text":"\#(marker(index)) vol "#.utf8)
            body += raw + Array(#"","received_at":"2026-11-23T10:15:00Z"}"#.utf8)
            request = Request(index: index, category: .invalidUTF8, variant: "relay: signed invalid UTF-8 JSON", uri: Self.relayPath,
                              headers: relayHeaders(body), body: body, expectation: .rejected)
        default:
            var body = Array(#"{"text":"\#(marker(index)) "#.utf8) + raw + Array(#"","language":"fr"}"#.utf8)
            if chance(30) { body = Array(#"{"text":"\#(marker(index))","location_hint":""#.utf8) + raw + Array("\"}".utf8) }
            request = Request(index: index, category: .invalidUTF8, variant: "reports: invalid UTF-8 JSON", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)), body: body, expectation: .rejected)
        }
        if chance(10) {
            // Invalid UTF-8 in the query string instead: the token itself.
            request = Request(index: index, category: .invalidUTF8, variant: "AT sms: token \(escape)",
                              uri: "\(Self.atSMSPath)?token=\(escape)\(Self.atToken)", headers: Self.formType,
                              body: Self.formBytes(atSMSFields(index)), expectation: .forged(.forbidden))
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }

    // MARK: Truncated

    mutating func addTruncated() {
        let index = nextIndex
        let channel = number(0...5)
        var request: Request
        let minimum = marker(index).utf8.count + 12
        switch channel {
        case 0...3:
            let full = Self.formBytes(fields(forChannel: channel, index))
            let cut = Array(full.prefix(number(minimum...(full.count - 1))))
            request = formRequest(.truncated, "form cut at \(cut.count)/\(full.count)", fields: [], index: index, expectation: .either, channel: channel)
            request.body = cut
            if channel == 3 {
                // Signed over what parses out of the cut body, so the signature is not what refuses it.
                let parsed = (try? FormParsing.pairs(cut)) ?? []
                request.headers = twilioHeaders(path: Self.twilioSMSPath, parsed)
            }
        case 4:
            let full = relayJSON(index)
            let cut = Array(full.prefix(number(minimum...(full.count - 1))))
            request = Request(index: index, category: .truncated, variant: "relay: signed JSON cut at \(cut.count)", uri: Self.relayPath,
                              headers: relayHeaders(cut), body: cut, expectation: .rejected)
        default:
            let full = reportJSON(index)
            let cut = Array(full.prefix(number(1...(full.count - 1))))
            request = Request(index: index, category: .truncated, variant: "reports: JSON cut at \(cut.count)", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)), body: cut, expectation: .rejected)
        }
        if chance(15) {
            let escape = pick(HostilePayloads.brokenEscapes)
            request.body = Self.formBytes(atSMSFields(index)) + Array("&text2=\(escape)".utf8)
            request.uri = Self.withToken(Self.atSMSPath)
            request.headers = Self.formType
            request.variant = "AT sms: broken escape \(escape)"
            request.expectation = .rejected
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }

    // MARK: Huge fields

    mutating func addHuge() {
        let index = nextIndex
        let big = String(repeating: "x", count: number(300...20_000))
        // One user-perceived character of ~10 kB: a character count is not a byte count.
        let combining = "a" + String(repeating: "\u{0301}", count: number(150...5_000))
        var request: Request
        switch number(0...13) {
        case 0:
            request = formRequest(.huge, "text over 1,600 characters", fields: atSMSFields(index, text: marker(index) + String(repeating: "é", count: number(1_600...6_000))),
                                  index: index, expectation: .rejected, channel: 0)
        case 1:
            request = formRequest(.huge, "body over 64 KiB", fields: atSMSFields(index, text: marker(index) + String(repeating: "y", count: number(66_000...90_000))),
                                  index: index, expectation: .rejected, channel: number(0...3))
        case 2, 3:
            let channel = number(0...3)
            var fields = fields(forChannel: channel, index)
            // Repetitive ids compress below PostgreSQL's index row limit; random ones do not.
            let noise = String((0..<number(3_000...12_000)).map { _ in pick(Array("abcdefghijklmnopqrstuvwxyz0123456789")) })
            let (kind, id) = pick([("repetitive", big), ("one huge character", combining), ("random", noise)])
            fields[0].1 = marker(index) + id
            request = formRequest(.huge, "huge id, \(kind)", fields: fields, index: index, expectation: .rejected, channel: channel)
        case 4:
            var fields = twilioStatusFields(index)
            fields[0].1 = marker(index) + big
            request = Request(index: index, category: .huge, variant: "twilio status: huge MessageSid", uri: Self.twilioStatusPath,
                              headers: twilioHeaders(path: Self.twilioStatusPath, fields), body: Self.formBytes(fields), expectation: .rejected)
        case 5:
            let body = Array(#"{"id":"\#(marker(index))\#(combining)","from":"\#(phone(index))","text":"\#(marker(index)) vol"}"#.utf8)
            request = Request(index: index, category: .huge, variant: "relay: id of one huge character", uri: Self.relayPath,
                              headers: relayHeaders(body), body: body, expectation: .rejected)
        case 6:
            request = Request(index: index, category: .huge, variant: "reports: huge Idempotency-Key", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index) + (chance(50) ? String(big.prefix(6_000)) : String(combining.prefix(2_000)))),
                              body: reportJSON(index), expectation: .rejected)
        case 7:
            var fields = atSMSFields(index)
            fields[1].1 = String(repeating: "7", count: number(18...20_000))
            request = formRequest(.huge, "huge phone number", fields: fields, index: index, expectation: .rejected, channel: 0)
        case 8:
            var headers = operatorHeaders(key: operatorKey + String(big.prefix(8_000)))
            headers[HTTPField.Name("X-Padding")!] = String(big.prefix(4_000))
            request = Request(index: index, category: .huge, variant: "reports: huge Authorization", uri: Self.reportsPath, headers: headers,
                              body: reportJSON(index), expectation: .forged(.unauthorized))
        case 9:
            request = Request(index: index, category: .huge, variant: "AT sms: huge token", uri: Self.withToken(Self.atSMSPath, Self.atToken + String(big.prefix(8_000))),
                              headers: Self.formType, body: Self.formBytes(atSMSFields(index)), expectation: .forged(.forbidden))
        case 10:
            let channel = chance(50) ? 0 : 3
            var pairs = fields(forChannel: channel, index)
            for field in 0..<number(100...3_000) { pairs.append(("x\(field)", "1")) }
            request = formRequest(.huge, "thousands of extra fields", fields: pairs, index: index, expectation: .accepted, channel: channel)
        case 11:
            let depth = number(600...30_000)
            let body = Array((#"{"text":"\#(marker(index))","location_hint":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}").utf8)
            request = Request(index: index, category: .huge, variant: "reports: JSON nested \(depth) deep", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)), body: body, expectation: .rejected)
        case 12:
            request = Request(index: index, category: .huge, variant: "reports: huge location_hint", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)),
                              body: reportJSON(index, extra: ["location_hint": marker(index) + big]), expectation: .rejected)
        default:
            var fields = atUSSDFields(index)
            fields[4].1 = String(repeating: "1*", count: number(100...12_000))
            request = formRequest(.huge, "USSD text of thousands of inputs", fields: fields, index: index, expectation: .accepted, channel: 2)
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }
}

/// The test's own form parsing, independent of intake's, to sign what a cut body still says.
enum FormParsing {
    struct Malformed: Error {}

    static func pairs(_ bytes: [UInt8]) throws -> [(String, String)] {
        try bytes.split(separator: UInt8(ascii: "&")).map { component in
            let parts = component.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: ArraySlice<UInt8>) throws -> String {
                let text = String(decoding: part, as: UTF8.self).replacingOccurrences(of: "+", with: " ")
                guard let decoded = text.removingPercentEncoding else { throw Malformed() }
                return decoded
            }
            return (try decode(parts[0]), parts.count > 1 ? try decode(parts[1]) : "")
        }
    }
}
