import Foundation

// The events every report passes through, written without `Codable`. Members go in byte order of
// their keys, nil optionals are left out, and UUIDs keep `UUID`'s own (upper-case) text, all as
// the synthesised conformances encode them; `HandWrittenJSONTests` compares the two.

extension ProtectedPhone: HandWrittenJSON {
    package func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("pseudonym", pseudonym)
        writer.key("sealed")
        writer.beginObject()
        writer.member("ciphertext", sealed.ciphertext)
        writer.member("key_id", sealed.keyID)
        writer.endObject()
        writer.endObject()
    }
}

extension ReportReceived: HandWrittenJSON {
    package func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("categoryHint", categoryHint)
        writer.member("channel", channel.rawValue)
        writer.member("language", language)
        writer.member("locationHint", locationHint)
        writer.member("placeCode", placeCode)
        writer.member("receivedAt", Timestamp.format(receivedAt))
        writer.member("referenceCode", referenceCode.value)
        writer.member("reportID", reportID.description)
        if let reporter {
            writer.key("reporter")
            reporter.writeJSON(to: &writer)
        }
        writer.member("text", text)
        writer.endObject()
    }
}

extension DeliveryStatusReceived: HandWrittenJSON {
    package func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("errorCode", errorCode)
        writer.member("failureReason", failureReason)
        writer.member("networkCode", networkCode)
        writer.member("provider", provider)
        writer.member("providerMessageID", providerMessageID)
        writer.member("providerStatus", providerStatus)
        writer.member("receivedAt", Timestamp.format(receivedAt))
        writer.member("retryCount", retryCount)
        writer.member("status", status)
        writer.endObject()
    }
}

extension NotificationRequested: HandWrittenJSON {
    package func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("activeHours", activeHours)
        writer.member("audience", audience)
        writer.member("caseID", caseID?.uuidString)
        writer.member("language", language)
        writer.member("notificationID", notificationID)
        writer.key("parameters")
        writer.object(parameters)
        writer.member("priority", priority.rawValue)
        writer.key("recipient")
        recipient.writeJSON(to: &writer)
        writer.member("referenceCode", referenceCode?.value)
        writer.member("template", template)
        writer.member("timeZone", timeZone)
        writer.endObject()
    }
}

extension NotificationStatusChanged: HandWrittenJSON {
    package func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("at", Timestamp.format(at))
        writer.member("attempt", attempt)
        writer.member("audience", audience)
        writer.member("caseID", caseID?.uuidString)
        writer.member("encoding", encoding)
        writer.member("language", language)
        writer.member("notificationID", notificationID)
        writer.member("priority", priority.rawValue)
        writer.member("provider", provider)
        writer.member("providerMessageID", providerMessageID)
        writer.member("reason", reason)
        writer.member("referenceCode", referenceCode?.value)
        writer.member("segments", segments)
        writer.member("status", status.rawValue)
        writer.member("template", template)
        writer.endObject()
    }
}

extension EventEnvelope {
    /// The envelope in `.sortedKeys` order, `data` first, for a payload that writes itself.
    package func writeJSON(data: any HandWrittenJSON, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("data")
        data.writeJSON(to: &writer)
        writer.member("datacontenttype", datacontenttype)
        writer.member("id", id)
        writer.member("source", source)
        writer.member("specversion", specversion)
        writer.member("subject", subject)
        writer.member("time", Timestamp.format(time))
        writer.member("type", type)
        writer.endObject()
    }
}
