import Foundation
@testable import HotlineDomain
import Testing

/// The hand-read events against `JSONDecoder`, which stays the decoder of every other event and
/// of anything the reader is unsure of: the same value, or the same refusal, for what producers
/// write, for hand-made edge cases and for two thousand damaged records.
@Suite("Hand-read event JSON")
struct HandReadJSONTests {
    typealias Random = HandWrittenJSONTests

    static let prettyEncoder: JSONEncoder = {
        let encoder = EventCoding.makeEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]  // whitespace, and slashes escaped
        return encoder
    }()

    static func envelope<P: Codable & Sendable>(_ payload: P) -> EventEnvelope<P> {
        EventEnvelope(id: Random.randomText(), source: Random.randomText(), type: Random.randomText(),
                      time: Random.randomDate(), subject: Random.maybe(Random.randomText()), data: payload)
    }

    /// Both decoders agree: equal envelopes, or both refuse.
    func expectAgreement<P: Codable & Sendable & Equatable>(_ type: P.Type, _ bytes: [UInt8], _ comment: @autoclosure () -> String = "") {
        let handRead = try? EventCoding.decode(type, from: bytes)
        let oracle = try? EventCoding.decodeWithJSONDecoder(type, from: bytes)
        #expect((handRead == nil) == (oracle == nil), "\(comment()) \(String(decoding: bytes, as: UTF8.self))")
        guard let handRead, let oracle else { return }
        #expect(handRead.data == oracle.data && handRead.id == oracle.id && handRead.source == oracle.source
                && handRead.type == oracle.type && handRead.time == oracle.time && handRead.subject == oracle.subject
                && handRead.specversion == oracle.specversion && handRead.datacontenttype == oracle.datacontenttype,
                "\(comment()) \(String(decoding: bytes, as: UTF8.self))")
    }

    /// Producers' shapes must take the fast path, or the comparison above proves nothing.
    func expectHandRead<P: Codable & Sendable & Equatable & HandReadJSON>(_ envelope: EventEnvelope<P>) throws {
        for bytes in [try EventCoding.encode(envelope), Array(try Self.prettyEncoder.encode(envelope))] {
            let json = try #require(JSONReader.read(bytes), "\(String(decoding: bytes, as: UTF8.self))")
            #expect(EventEnvelope<P>(json: json, reading: P.self) != nil, "\(String(decoding: bytes, as: UTF8.self))")
            expectAgreement(P.self, bytes)
        }
    }

    @Test("report received, as producers write it and pretty-printed")
    func reportReceived() throws {
        for _ in 0..<500 {
            try expectHandRead(Self.envelope(ReportReceived(
                reportID: ReportID(), referenceCode: .random(), channel: ReportChannel.allCases.randomElement()!,
                language: Random.randomText(), text: Random.randomText(), locationHint: Random.maybe(Random.randomText()),
                receivedAt: Random.randomDate(), reporter: Random.maybe(Random.randomPhone()),
                categoryHint: Random.maybe(Random.randomText()), placeCode: Random.maybe(Random.randomText()))))
        }
    }

    @Test("delivery status received")
    func deliveryStatus() throws {
        for _ in 0..<500 {
            try expectHandRead(Self.envelope(DeliveryStatusReceived(
                provider: Random.randomText(), providerMessageID: Random.randomText(), providerStatus: Random.randomText(),
                status: Random.randomText(), failureReason: Random.maybe(Random.randomText()), errorCode: Random.maybe(Random.randomText()),
                retryCount: Random.maybe(Int.random(in: Int.min...Int.max)), networkCode: Random.maybe(Random.randomText()),
                receivedAt: Random.randomDate())))
        }
    }

    @Test("notification requested")
    func notificationRequested() throws {
        let names = ["reference_code", "category", "place", "role", "target", "é", "a\"b"]
        for _ in 0..<500 {
            let parameters = Dictionary(names.shuffled().prefix(Int.random(in: 0...names.count)).map { ($0, Random.randomText()) },
                                        uniquingKeysWith: { first, _ in first })
            try expectHandRead(Self.envelope(NotificationRequested(
                notificationID: Random.randomText(), recipient: Random.randomPhone(), audience: Random.randomText(),
                template: Random.randomText(), parameters: parameters, language: Random.randomText(),
                priority: [.routine, .survey, .urgent].randomElement()!, caseID: Random.maybe(UUID.random()),
                referenceCode: Random.maybe(.random()), timeZone: Random.maybe(Random.randomText()),
                activeHours: Random.maybe(Random.randomText()))))
        }
    }

    static let sample = #"{"data":{"channel":"sms","language":"fr","receivedAt":"2026-11-24T20:00:00.000Z","referenceCode":"7K3QX9","reportID":"6f1c1a52-8f5e-4c53-9a43-0b7a3f0f9d11","text":"vol"},"datacontenttype":"application/json","id":"e1","source":"/hotline/intake","specversion":"1.0","time":"2026-11-24T20:00:00.000Z","type":"org.hotline.report.received.v1"}"#

    static func edit(_ old: String, _ new: String) -> String { sample.replacingOccurrences(of: old, with: new) }

    static let edgeCaseTexts: [String] = {
        var cases: [String] = [
            sample,
            edit(#""text":"vol""#, #""text":"v\u00e9l \ud83d\ude00 \/ \n\"""#),
            edit(#""text":"vol""#, #""text":"vol","locationHint":null,"reporter":null,"extra":[1,{"a":true}]"#),
            edit(#""text":"vol""#, #""text":"\ud83d""#),
            edit(#""text":"vol""#, #""text":"\ude00x""#),
            edit(#""text":"vol""#, #""text":"vol","text":"other""#),
            edit(#""text":"vol""#, #""text":3"#),
            edit(#""text":"vol""#, #""text":null"#),
            edit(#""text":"vol""#, "\"text\":\"v\u{1}l\""),
            edit(#""channel":"sms""#, #""channel":"fax""#),
            edit(#""referenceCode":"7K3QX9""#, #""referenceCode":"7k3-qx9""#),
            edit(#""receivedAt":"2026-11-24T20:00:00.000Z""#, #""receivedAt":"2026-11-24T21:00:00+01:00""#),
            edit(#""reportID":"6f1c1a52-8f5e-4c53-9a43-0b7a3f0f9d11""#, #""reportID":"6F1C1A52-8F5E-4C53-9A43-0B7A3F0F9D11""#),
            edit(#""time":"2026-11-24T20:00:00.000Z""#, #""time":"yesterday""#),
        ]
        cases += [sample + " ", sample + "x", String(sample.dropLast()), "", "null", "[]", "{}", " \(sample)\n"]
        return cases
    }()

    @Test("edge cases: escapes, nulls, unknown keys, and what must be refused", arguments: edgeCaseTexts)
    func edgeCases(text: String) {
        expectAgreement(ReportReceived.self, Array(text.utf8))
    }

    @Test("numbers are read as JSONDecoder reads an Int", arguments: ["3", "-1", "0", "-0", "3.0", "3e0", "1e400", "01", "9223372036854775808", "+1", ".5", "1."])
    func numbers(text: String) {
        let bytes = Array(#"{"data":{"provider":"p","providerMessageID":"m","providerStatus":"s","status":"sent","receivedAt":"2026-11-24T20:00:00.000Z","retryCount":\#(text)},"datacontenttype":"application/json","id":"e1","source":"s","specversion":"1.0","time":"2026-11-24T20:00:00.000Z","type":"t"}"#.utf8)
        expectAgreement(DeliveryStatusReceived.self, bytes, text)
    }

    @Test("damaged records: both decoders agree on 2,000 random truncations, flips and insertions")
    func damaged() throws {
        let originals = try (0..<50).map { _ in
            try EventCoding.encode(Self.envelope(NotificationRequested(
                notificationID: Random.randomText(), recipient: Random.randomPhone(), audience: "reporter", template: "t",
                parameters: ["reference_code": Random.randomText()], language: "fr", priority: .urgent, caseID: UUID.random(),
                referenceCode: .random(), timeZone: nil)))
        }
        let interesting = Array(#"{}[]",:\u0123456789-+.eE truefalsenull"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF, 0xED, 0xA0]
        for index in 0..<2_000 {
            var bytes = originals[index % originals.count]
            for _ in 0..<Int.random(in: 1...3) {
                let position = Int.random(in: 0..<bytes.count)
                switch Int.random(in: 0..<3) {
                case 0: bytes[position] = interesting.randomElement()!
                case 1: bytes.insert(interesting.randomElement()!, at: position)
                default: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...4)))
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            expectAgreement(NotificationRequested.self, bytes)
        }
    }
}
