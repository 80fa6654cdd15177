import Foundation
import HTTPTypes

/// Duplicates, content types and methods, injection strings, and valid controls.
extension HostileCorpus {
    // MARK: Duplicate and conflicting parameters

    mutating func addDuplicates() {
        let index = nextIndex
        var request: Request
        switch number(0...9) {
        case 0:
            var fields = atSMSFields(index)
            fields.append(fields[3])
            request = formRequest(.duplicates, "identical text twice", fields: fields, index: index, expectation: .accepted, channel: 0)
        case 1, 2:
            let channel = number(0...3)
            var fields = fields(forChannel: channel, index)
            let target = number(0...2)
            fields.append((fields[target].0, fields[target].1 + "-conflict"))
            request = formRequest(.duplicates, "conflicting \(fields[target].0)", fields: fields, index: index, expectation: .rejected, channel: channel)
        case 3:
            let body = Array(#"{"id":"\#(marker(index))","id":"\#(marker(index))b","from":"\#(phone(index))","text":"\#(marker(index)) vol","text":"autre"}"#.utf8)
            request = Request(index: index, category: .duplicates, variant: "relay: duplicate JSON keys, signed", uri: Self.relayPath,
                              headers: relayHeaders(body), body: body, expectation: .either)
        case 4:
            let body = Array(#"{"text":"\#(marker(index)) vol","text":"\#(marker(index)) autre","anonymous":true,"anonymous":false}"#.utf8)
            request = Request(index: index, category: .duplicates, variant: "reports: duplicate JSON keys", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)), body: body, expectation: .either)
        case 5:
            let fields = twilioSMSFields(index)
            var headers = Self.formType
            headers.append(HTTPField(name: HTTPField.Name("X-Twilio-Signature")!, value: Self.twilioSignature(path: Self.twilioSMSPath, fields)))
            headers.append(HTTPField(name: HTTPField.Name("X-Twilio-Signature")!, value: "forged"))
            request = Request(index: index, category: .duplicates, variant: "twilio: good signature then a forged one", uri: Self.twilioSMSPath,
                              headers: headers, body: Self.formBytes(fields), expectation: .rejected)
        case 6:
            var headers = operatorHeaders(idempotencyKey: marker(index))
            headers.append(HTTPField(name: .authorization, value: "Bearer hk_forged"))
            headers.append(HTTPField(name: .contentType, value: "text/plain"))
            request = Request(index: index, category: .duplicates, variant: "reports: repeated Authorization and Content-Type", uri: Self.reportsPath,
                              headers: headers, body: reportJSON(index), expectation: .either)
        case 7:
            // The same gateway message id with another text: answered as the first, the second text never stored.
            let first = formRequest(.duplicates, "message id reused, first", fields: atSMSFields(index), index: index, expectation: .accepted, channel: 0)
            append(Request(index: 0, category: .duplicates, variant: first.variant, uri: first.uri, headers: first.headers, body: first.body,
                           expectation: .accepted, markers: [marker(index)], phones: [phone(index)]), group: index)
            let secondText = "\(marker(index + 1)) texte différent"
            request = formRequest(.duplicates, "message id reused with another text", fields: atSMSFields(index, text: secondText),
                                  index: index, expectation: .accepted, channel: 0)
            request.unstoredMarkers = [marker(index + 1)]
            request.group = index
        case 8:
            // An Idempotency-Key reused with another body: 422, and the second body is never stored.
            append(Request(index: 0, category: .duplicates, variant: "Idempotency-Key, first use", uri: Self.reportsPath,
                           headers: operatorHeaders(idempotencyKey: marker(index)), body: reportJSON(index), expectation: .accepted,
                           markers: [marker(index)]), group: index)
            request = Request(index: index, category: .duplicates, variant: "Idempotency-Key reused with another body", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)), body: reportJSON(index + 1), expectation: .rejected)
            request.unstoredMarkers = [marker(index + 1)]
            request.markers = []
            append(request, group: index)
            return
        default:
            request = Request(index: index, category: .duplicates, variant: "AT sms: the token twice",
                              uri: "\(Self.atSMSPath)?token=\(Self.atToken)&token=\(Self.atToken)", headers: Self.formType,
                              body: Self.formBytes(atSMSFields(index)), expectation: .accepted)
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }

    // MARK: Content types and methods

    mutating func addContentType() {
        let index = nextIndex
        var request: Request
        switch number(0...5) {
        case 0, 1, 2:
            let channel = number(0...3)
            let (type, valid) = pick(HostilePayloads.contentTypes)
            request = formRequest(.contentType, "Content-Type \(type ?? "absent")", fields: fields(forChannel: channel, index), index: index,
                                  expectation: valid ? .accepted : .rejected, channel: channel)
            request.headers[.contentType] = type
        case 3:
            let json = chance(50)
            let (type, _) = pick(HostilePayloads.contentTypes)
            let body = json ? relayJSON(index) : reportJSON(index)
            var headers = json ? relayHeaders(body) : operatorHeaders(idempotencyKey: marker(index))
            headers[.contentType] = type == "application/json" ? "application/x-www-form-urlencoded" : type
            request = Request(index: index, category: .contentType, variant: "\(json ? "relay" : "reports"): Content-Type \(type ?? "absent")",
                              uri: json ? Self.relayPath : Self.reportsPath, headers: headers, body: body, expectation: .rejected)
        case 4:
            let method = pick(HostilePayloads.wrongMethods)
            let path = pick([Self.withToken(Self.atSMSPath), Self.twilioSMSPath, Self.relayPath, Self.reportsPath, Self.withToken(Self.atUSSDPath)])
            // NIO's client encoder drops the framing headers of a TRACE but would still write a body,
            // which the server then rightly reads as a malformed next request: TRACE goes bodiless.
            request = Request(index: index, category: .contentType, variant: "\(method) \(path)", method: method, uri: path,
                              headers: Self.formType, body: method == .trace ? [] : Self.formBytes(atSMSFields(index)), expectation: .rejected)
        default:
            let path = pick(["/healthz", "/metrics", "/openapi.json", "/healthz?x=%FF&x=1", "/metrics?name[]=1"])
            let method = pick([HTTPRequest.Method.post, .put, .delete, .get])
            request = Request(index: index, category: .contentType, variant: "\(method) \(path)", method: method, uri: path,
                              headers: Self.jsonType, body: method == .get ? [] : Array("{\"x\":1}".utf8),
                              expectation: method == .get ? .accepted : .rejected)
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }

    // MARK: SQL and script injection

    mutating func addInjection() {
        let index = nextIndex
        let payload = pick(HostilePayloads.all)
        defer { requests[requests.count - 1].variant += " \(payload.debugDescription.prefix(40))" }
        var request: Request
        switch number(0...10) {
        case 0, 1:
            let text = "\(marker(index)) \(payload)"
            request = formRequest(.injection, "text", fields: atSMSFields(index, text: text), index: index, expectation: Self.storing(text), channel: 0)
            request.verbatimText = text
        case 2:
            let text = "\(marker(index)) \(payload)"
            request = formRequest(.injection, "Body", fields: twilioSMSFields(index, body: text), index: index, expectation: Self.storing(text), channel: 3)
            request.verbatimText = text
        case 3:
            let text = "\(marker(index)) \(payload)"
            let body = relayJSON(index, text: text)
            request = Request(index: index, category: .injection, variant: "relay: text", uri: Self.relayPath, headers: relayHeaders(body), body: body,
                              expectation: Self.storing(text))
            request.verbatimText = text
        case 4:
            let text = "\(marker(index)) \(payload)"
            request = Request(index: index, category: .injection, variant: "reports: text and location_hint", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)),
                              body: reportJSON(index, text: text, extra: ["location_hint": String(payload.prefix(200))]), expectation: Self.storing(text))
            request.verbatimText = Self.storing(text) == .accepted ? text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        case 5:
            let channel = number(0...3)
            var fields = fields(forChannel: channel, index)
            fields[0].1 = marker(index) + payload
            request = formRequest(.injection, "message id", fields: fields, index: index, expectation: Self.storing(payload), channel: channel)
        case 6:
            var fields = atSMSFields(index)
            fields[1].1 = payload
            request = formRequest(.injection, "sender number", fields: fields, index: index, expectation: .rejected, channel: 0)
        case 7:
            request = Request(index: index, category: .injection, variant: "AT token", uri: Self.withToken(Self.atSMSPath, payload),
                              headers: Self.formType, body: Self.formBytes(atSMSFields(index)), expectation: .forged(.forbidden))
        case 8:
            request = Request(index: index, category: .injection, variant: "path", uri: "/v1/inbound/africastalking/\(Self.percentEncode(payload))?token=\(Self.atToken)",
                              headers: Self.formType, body: Self.formBytes(atSMSFields(index)), expectation: .rejected)
        case 9:
            var fields = atUSSDFields(index)
            fields[4].1 = payload
            request = formRequest(.injection, "USSD text", fields: fields, index: index, expectation: Self.storing(payload), channel: 2)
        default:
            let field = pick(["language", "category", "channel", "caller_phone"])
            request = Request(index: index, category: .injection, variant: "reports: \(field)", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)), body: reportJSON(index, extra: [field: payload]),
                              expectation: .rejected)
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }

    // MARK: Valid controls

    /// Requests that must be accepted: they prove the markers are found when something is stored.
    mutating func addValid() {
        let index = nextIndex
        var request: Request
        switch number(0...6) {
        case 0...3:
            let channel = number(0...3)
            request = formRequest(.valid, "valid", fields: fields(forChannel: channel, index), index: index, expectation: .accepted, channel: channel)
        case 4:
            let fields = twilioStatusFields(index)
            request = Request(index: index, category: .valid, variant: "twilio status: valid", uri: Self.twilioStatusPath,
                              headers: twilioHeaders(path: Self.twilioStatusPath, fields), body: Self.formBytes(fields), expectation: .accepted)
        case 5:
            let body = relayJSON(index)
            request = Request(index: index, category: .valid, variant: "relay: valid", uri: Self.relayPath, headers: relayHeaders(body), body: body,
                              expectation: .accepted)
        default:
            request = Request(index: index, category: .valid, variant: "reports: valid", uri: Self.reportsPath,
                              headers: operatorHeaders(idempotencyKey: marker(index)), body: reportJSON(index), expectation: .accepted)
        }
        request.markers = [marker(index)]
        request.phones = [phone(index)]
        append(request)
    }
}
