import Foundation

// The events the services consume on every report, read without `Decodable`. Each field is read
// as the synthesised conformance reads it: required fields present and of their type, optional
// ones absent or null for nil, `Date`s through `Timestamp.parse`, identifiers and enum cases
// through the same initialisers. Anything else gives nil, and `JSONDecoder` decides instead.
// `HandReadJSONTests` compares the two.

extension JSONValue {
    /// `.some(nil)` when absent or null, as `decodeIfPresent` reads it; nil when `read` refuses it.
    fileprivate func optional<T>(_ key: String, _ read: (JSONValue) -> T?) -> T?? {
        switch self[key] {
        case nil, .null?: .some(nil)
        case let value?: read(value).map(Optional.some)
        }
    }

    fileprivate func optionalString(_ key: String) -> String?? { optional(key, \.string) }

    fileprivate func date(_ key: String) -> Date? {
        self[key]?.string.flatMap(Timestamp.parse)
    }
}

extension ProtectedPhone: HandReadJSON {
    package init?(json: JSONValue) {
        guard let pseudonym = json["pseudonym"]?.string, let sealed = json["sealed"],
              let keyID = sealed["key_id"]?.string, let ciphertext = sealed["ciphertext"]?.string else { return nil }
        self.init(pseudonym: pseudonym, sealed: SealedPhone(keyID: keyID, ciphertext: ciphertext))
    }
}

extension ReportReceived: HandReadJSON {
    package init?(json: JSONValue) {
        guard let reportID = json["reportID"]?.string.flatMap(ReportID.init),
              let referenceCode = json["referenceCode"]?.string.flatMap(ReferenceCode.init(parsing:)),
              let channel = json["channel"]?.string.flatMap(ReportChannel.init(rawValue:)),
              let language = json["language"]?.string, let text = json["text"]?.string,
              let locationHint = json.optionalString("locationHint"), let receivedAt = json.date("receivedAt"),
              let reporter = json.optional("reporter", ProtectedPhone.init(json:)),
              let categoryHint = json.optionalString("categoryHint"), let placeCode = json.optionalString("placeCode")
        else { return nil }
        self.init(reportID: reportID, referenceCode: referenceCode, channel: channel, language: language, text: text,
                  locationHint: locationHint, receivedAt: receivedAt, reporter: reporter, categoryHint: categoryHint, placeCode: placeCode)
    }
}

extension DeliveryStatusReceived: HandReadJSON {
    package init?(json: JSONValue) {
        guard let provider = json["provider"]?.string, let providerMessageID = json["providerMessageID"]?.string,
              let providerStatus = json["providerStatus"]?.string, let status = json["status"]?.string,
              let failureReason = json.optionalString("failureReason"), let errorCode = json.optionalString("errorCode"),
              let retryCount = json.optional("retryCount", \.int), let networkCode = json.optionalString("networkCode"),
              let receivedAt = json.date("receivedAt")
        else { return nil }
        self.init(provider: provider, providerMessageID: providerMessageID, providerStatus: providerStatus, status: status,
                  failureReason: failureReason, errorCode: errorCode, retryCount: retryCount, networkCode: networkCode, receivedAt: receivedAt)
    }
}

extension NotificationRequested: HandReadJSON {
    package init?(json: JSONValue) {
        guard let notificationID = json["notificationID"]?.string, let recipient = json["recipient"].flatMap(ProtectedPhone.init(json:)),
              let audience = json["audience"]?.string, let template = json["template"]?.string,
              case .object(let parameterValues)? = json["parameters"], let language = json["language"]?.string,
              let priority = json["priority"]?.string.flatMap(Priority.init(rawValue:)),
              let caseID = json.optional("caseID") { $0.string.flatMap(UUID.init(uuidString:)) },
              let referenceCode = json.optional("referenceCode") { $0.string.flatMap(ReferenceCode.init(parsing:)) },
              let timeZone = json.optionalString("timeZone"), let activeHours = json.optionalString("activeHours")
        else { return nil }
        var parameters: [String: String] = [:]
        for (name, value) in parameterValues {
            guard let text = value.string else { return nil }
            parameters[name] = text
        }
        self.init(notificationID: notificationID, recipient: recipient, audience: audience, template: template, parameters: parameters,
                  language: language, priority: priority, caseID: caseID, referenceCode: referenceCode, timeZone: timeZone,
                  activeHours: activeHours)
    }
}

extension EventEnvelope {
    /// The envelope around a payload that reads itself; nil as soon as anything is not as expected.
    package init?(json: JSONValue, reading payload: any HandReadJSON.Type) {
        guard let specversion = json["specversion"]?.string, let id = json["id"]?.string, let source = json["source"]?.string,
              let type = json["type"]?.string, let time = json.date("time"), let subject = json.optionalString("subject"),
              let datacontenttype = json["datacontenttype"]?.string,
              let data = json["data"].flatMap({ payload.init(json: $0) }) as? Payload
        else { return nil }
        self.init(id: id, source: source, type: type, time: time, subject: subject, data: data)
        self.specversion = specversion
        self.datacontenttype = datacontenttype
    }
}
