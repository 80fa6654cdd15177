import Foundation
@testable import HotlineDomain
import Testing

/// The hand-written event encoders against `JSONEncoder`, which they replaced on the hot path and
/// which stays the encoder of every other event: same bytes, for random values of every field.
@Suite("Hand-written event JSON")
struct HandWrittenJSONTests {
    /// Texts that stress the escapes: every control character, quotes, backslashes, slashes,
    /// DEL, line separators, accents, N'Ko, Arabic and emoji, in random mixes.
    static func randomText() -> String {
        let pieces: [String] = ["\"", "\\", "/", "\u{7F}", "\u{2028}", "é", "ߊ", "ع", "😀", "\r\n", " ", "vol de bétail", "ا"]
            + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        return (0..<Int.random(in: 0...12)).map { _ in
            Bool.random() ? pieces.randomElement()! : String(Int.random(in: 0...999))
        }.joined()
    }

    static func maybe<T>(_ value: @autoclosure () -> T) -> T? {
        Bool.random() ? value() : nil
    }

    static func randomDate() -> Date {
        Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800_000)) / 1000)
    }

    static func randomPhone() -> ProtectedPhone {
        ProtectedPhone(pseudonym: randomText(),
                       sealed: SealedPhone(keyID: randomText(), ciphertext: randomText()))
    }

    func expectSameBytes<P: Codable & Sendable & HandWrittenJSON>(_ payload: P) throws {
        let envelope = EventEnvelope(
            id: Self.randomText(), source: Self.randomText(), type: Self.randomText(),
            time: Self.randomDate(), subject: Self.maybe(Self.randomText()), data: payload)
        let handWritten = try EventCoding.encode(envelope)
        let oracle = try EventCoding.encodeWithJSONEncoder(envelope)
        #expect(handWritten == oracle, "\(String(decoding: handWritten, as: UTF8.self))\n\(String(decoding: oracle, as: UTF8.self))")
    }

    @Test("report received")
    func reportReceived() throws {
        for _ in 0..<500 {
            let report = ReportReceived(
                reportID: ReportID(UUID.random()), referenceCode: .random(), channel: ReportChannel.allCases.randomElement()!,
                language: Self.randomText(), text: Self.randomText(),
                locationHint: Self.maybe(Self.randomText()), receivedAt: Self.randomDate(),
                reporter: Self.maybe(Self.randomPhone()),
                categoryHint: Self.maybe(Self.randomText()),
                placeCode: Self.maybe(Self.randomText()))
            try expectSameBytes(report)
        }
    }

    @Test("delivery status received")
    func deliveryStatus() throws {
        for _ in 0..<500 {
            let status = DeliveryStatusReceived(
                provider: Self.randomText(), providerMessageID: Self.randomText(),
                providerStatus: Self.randomText(), status: Self.randomText(),
                failureReason: Self.maybe(Self.randomText()),
                errorCode: Self.maybe(Self.randomText()),
                retryCount: Self.maybe(Int.random(in: Int.min...Int.max)),
                networkCode: Self.maybe(Self.randomText()), receivedAt: Self.randomDate())
            try expectSameBytes(status)
        }
    }

    @Test("notification requested, parameters in key order")
    func notificationRequested() throws {
        let names = ["reference", "case", "Case", "category", "place", "deadline", "responder_role", "a", "b_2", "b1", "é"]
        for _ in 0..<500 {
            let parameters = Dictionary(
                names.shuffled().prefix(Int.random(in: 0...names.count)).map { ($0, Self.randomText()) },
                uniquingKeysWith: { first, _ in first })
            let request = NotificationRequested(
                notificationID: Self.randomText(), recipient: Self.randomPhone(),
                audience: Self.randomText(), template: Self.randomText(), parameters: parameters,
                language: Self.randomText(), priority: [.routine, .survey, .urgent].randomElement()!,
                caseID: Self.maybe(UUID.random()), referenceCode: Self.maybe(.random()),
                timeZone: Self.maybe(Self.randomText()), activeHours: Self.maybe(Self.randomText()))
            try expectSameBytes(request)
        }
    }

    @Test("notification status changed")
    func notificationStatus() throws {
        for _ in 0..<500 {
            let status = NotificationStatusChanged(
                notificationID: Self.randomText(), caseID: Self.maybe(UUID.random()),
                referenceCode: Self.maybe(.random()), template: Self.randomText(),
                audience: Self.randomText(), language: Self.randomText(),
                priority: [.routine, .survey, .urgent].randomElement()!,
                provider: Self.maybe(Self.randomText()),
                providerMessageID: Self.maybe(Self.randomText()),
                status: NotificationStatusChanged.Status.allCases.randomElement()!,
                reason: Self.maybe(Self.randomText()), attempt: Int.random(in: -5...1_000_000),
                encoding: Self.maybe(Self.randomText()),
                segments: Self.maybe(Int.random(in: 0...20)), at: Self.randomDate())
            try expectSameBytes(status)
        }
    }

    @Test("hand-written envelopes decode back to the same values")
    func roundTrip() throws {
        let report = ReportReceived(
            reportID: ReportID(), referenceCode: .random(), channel: .sms, language: "fr", text: Self.randomText(),
            locationHint: nil, receivedAt: Date(timeIntervalSince1970: 1_795_647_599), reporter: Self.randomPhone())
        let envelope = EventEnvelope(source: "intake", type: ReportReceived.eventType, subject: "x", data: report)
        let decoded = try EventCoding.decode(ReportReceived.self, from: EventCoding.encode(envelope))
        #expect(decoded.data == report)
        #expect(decoded.id == envelope.id)
    }

    @Test("random UUIDs are version 4, RFC 4122 variant, and distinct")
    func randomUUIDs() {
        let uuids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(uuids).count == uuids.count)
        for uuid in uuids {
            #expect(uuid.uuid.6 >> 4 == 4)
            #expect(uuid.uuid.8 >> 6 == 0b10)
        }
    }

    @Test("blank means what trimming white space and line breaks with Foundation means")
    func blank() {
        // Every White_Space scalar, and U+200B, lies below U+3100; a run over all 1.1 million
        // scalars found no other disagreement, and took seconds of the suite's shared threads.
        let disagreements = (0..<0x3100).compactMap(Unicode.Scalar.init).filter { scalar in
            let text = " \(Character(scalar))\n"
            return text.isBlank != text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(disagreements.isEmpty, "\(disagreements.map { "U+" + String($0.value, radix: 16) })")
        #expect("".isBlank)
        #expect(!"  a ".isBlank)
    }
}
