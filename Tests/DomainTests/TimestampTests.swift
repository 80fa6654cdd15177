import Foundation
@testable import HotlineDomain
import Testing

/// The civil-calendar fast paths against Foundation's ISO 8601 styles, which they replaced where
/// the shape is the one producers write and which remain the fallback for every other shape.
@Suite("Timestamps")
struct TimestampTests {
    static let foundationFormat = Date.ISO8601FormatStyle.iso8601.year().month().day()
        .time(includingFractionalSeconds: true).timeZone(separator: .omitted)
    static let foundationParse = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true)

    /// Instants across years 1 to 9999 (before 1600 Foundation alone decides), whole milliseconds
    /// and not, leap days and the epoch's edges included.
    static func sampleDates() -> [Date] {
        var generator = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, -1, 1, 999, -999, 951_782_400_000, 951_868_799_999, 4_107_542_399_999, 1_795_647_599_123,
                              -62_135_596_800_000, 253_402_300_799_999, -2_208_988_800_000]
        let random = (0..<5_000).map { _ in Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator) }
        return (edges + random).enumerated().map { index, milliseconds in
            Date(timeIntervalSince1970: Double(milliseconds) / 1000 + (index.isMultiple(of: 2) ? 0 : Double.random(in: 0..<0.001, using: &generator)))
        }
    }

    @Test("format writes what Foundation writes, to the millisecond")
    func formatMatchesFoundation() {
        for date in Self.sampleDates() {
            #expect(Timestamp.format(date) == date.formatted(Self.foundationFormat), "\(date.timeIntervalSince1970)")
        }
    }

    @Test("parse reads back the same instant Foundation reads")
    func parseMatchesFoundation() throws {
        for date in Self.sampleDates() {
            let text = date.formatted(Self.foundationFormat)
            let expected = try Date(text, strategy: Self.foundationParse)
            #expect(Timestamp.parse(text) == expected, "\(text)")
            let fastPath = Int(text.prefix(4))! >= 1600
            #expect(CivilTime(rfc3339UTC: text)?.date == (fastPath ? expected : nil), "\(text)")
        }
    }

    /// Foundation builds the day's start plus the time of day; milliseconds added to the whole
    /// seconds since 2001 instead land one bit lower here (found by a fresh-clone CI run).
    @Test("a text whose last bit depends on the order of the additions reads as Foundation reads it")
    func lastBitOfParse() throws {
        let text = "2001-01-07T07:20:38.011Z"
        let expected = try Date(text, strategy: Self.foundationParse)
        #expect(Timestamp.parse(text) == expected)
        #expect(CivilTime(rfc3339UTC: text)?.date == expected)
    }

    @Test("an instant between milliseconds formats as the one before it")
    func subMillisecond() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.000_5)) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_647_599.123_9)).hasPrefix("2026-11-25T22:59:59.12"))
    }

    @Test("instants far outside the calendar format through Foundation, without overflowing")
    func farInstants() {
        for seconds in [1e13, -1e13, 1e17, -1e17] {
            let date = Date(timeIntervalSinceReferenceDate: seconds)
            #expect(Timestamp.format(date) == date.formatted(Self.foundationFormat))
        }
    }

    @Test("impossible dates are not taken by the fast path", arguments: [
        "2026-02-29T10:00:00.000Z", "2024-13-01T00:00:00.000Z", "2024-00-10T00:00:00.000Z", "2024-04-31T00:00:00Z",
        "2024-01-01T24:00:00.000Z", "2024-01-01T23:60:00Z", "2024-01-01T23:59:60.000Z", "0000-01-01T00:00:00.000Z", "1582-10-20T00:00:00.000Z",
        "2024-01-01T00:00:00.00xZ", "2024-01-01 00:00:00.000Z", "2024-01-01T00:00:00+0000", "２０２４-01-01T00:00:00Z",
    ])
    func impossible(text: String) {
        #expect(CivilTime(rfc3339UTC: text) == nil)
    }

    @Test("other RFC 3339 shapes parse through Foundation, offsets applied", arguments: [
        ("2026-11-24T21:00:00+01:00", 1_795_550_400.0), ("2026-11-24T21:00:00.250+01:00", 1_795_550_400.25),
        ("2026-11-24T21:00:00.250+0100", 1_795_550_400.25), ("2026-11-24T14:30:00.5-05:30", 1_795_550_400.5),
        ("2026-11-24T20:00:00Z", 1_795_550_400.0), ("2026-11-24T20:00:00.5Z", 1_795_550_400.5),
        ("2026-11-24T20:00:00.000", 1_795_550_400.0),
    ])
    func otherShapes(text: String, secondsSince1970: Double) throws {
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - secondsSince1970) < 0.000_5, "\(text)")
    }

    @Test("what is not a timestamp is refused", arguments: ["yesterday", "2026-11-24 20:00:00Z", "", "2026-11-24T20:00:00+25:00"])
    func notTimestamps(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
