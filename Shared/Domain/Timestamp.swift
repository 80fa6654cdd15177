import Foundation

/// RFC 3339 timestamps in UTC with millisecond precision.
///
/// Every event carries two or three of them, written by each producer and read by each consumer.
/// The common shapes are done by arithmetic on the civil calendar; Foundation's ISO 8601 styles
/// cost several microseconds a call (about 2 % of intake's CPU per webhook in a `perf` profile) and
/// remain the fallback for every other shape, so what is accepted has not changed.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        // As Foundation does it, so both write the same text for any instant: whole seconds since
        // 2001 (how `Date` stores time), then the fraction's milliseconds, truncated.
        let sinceReference = date.timeIntervalSinceReferenceDate
        let wholeSeconds = sinceReference.rounded(.down)
        // The range check keeps the arithmetic below from overflowing; the calendar check is CivilTime's.
        guard let seconds = Int64(exactly: wholeSeconds), (-20_000_000_000...300_000_000_000).contains(seconds),
              let civil = CivilTime(millisecondsSince1970: (seconds + CivilTime.referenceDaySince1970 * 86_400) * 1000
                                        + Int64(min(999, Int((sinceReference - wholeSeconds) * 1000))))
        else {
            return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        }
        // `YYYY-MM-DDTHH:MM:SS.mmmZ`: each field's digits, then the character after it.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func field(_ value: Int, digits: Int, then separator: Unicode.Scalar) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
            bytes.append(UInt8(ascii: separator))
        }
        field(civil.year, digits: 4, then: "-")
        field(civil.month, digits: 2, then: "-")
        field(civil.day, digits: 2, then: "T")
        field(civil.hour, digits: 2, then: ":")
        field(civil.minute, digits: 2, then: ":")
        field(civil.second, digits: 2, then: ".")
        field(civil.millisecond, digits: 3, then: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads RFC 3339 with any offset, with or without a fraction; text with no zone at all is read as UTC.
    public static func parse(_ text: String) -> Date? {
        if let civil = CivilTime(rfc3339UTC: text) { return civil.date }
        // A style without a time zone would also take "+01:00" and ignore it: an hour off.
        if let date = try? Date(text, strategy: withOffsetAndFraction) { return date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        // Only text that names no zone at all: this style would read past an offset it cannot parse.
        guard let time = text.split(separator: "T", maxSplits: 1).dropFirst().first,
              !time.contains(where: { "Zz+-".contains($0) }) else { return nil }
        return try? Date(text, strategy: withoutZone)
    }

    private static let withOffsetAndFraction = Date.ISO8601FormatStyle.iso8601.year().month().day()
        .time(includingFractionalSeconds: true).timeZone(separator: .omitted)
    private static let withoutZone = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true)
}

/// A UTC calendar time between the years 1600 and 9999, to the millisecond (proleptic Gregorian).
package struct CivilTime: Equatable, Sendable {
    package var year, month, day, hour, minute, second, millisecond: Int

    package init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int = 0) {
        // From 1600: before the Gregorian reform Foundation's calendar is Julian, and it stays the authority there.
        guard (1600...9999).contains(year), (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
              (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second), (0..<1000).contains(millisecond)
        else { return nil }
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond) =
            (year, month, day, hour, minute, second, millisecond)
    }

    /// Howard Hinnant's `civil_from_days`, on milliseconds since 1970-01-01T00:00:00Z.
    package init?(millisecondsSince1970 total: Int64) {
        let (days, inDay) = Self.floorDivide(total, 86_400_000)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let milliseconds = Int(inDay)
        self.init(year: Int(year), month: Int(month), day: Int(day), hour: milliseconds / 3_600_000,
                  minute: milliseconds / 60_000 % 60, second: milliseconds / 1000 % 60, millisecond: milliseconds % 1000)
    }

    /// Exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` or `YYYY-MM-DDTHH:MM:SSZ`, the shapes producers write.
    package init?(rfc3339UTC text: String) {
        var text = text
        let parsed = text.withUTF8 { bytes -> CivilTime? in
            guard bytes.count == 24 || bytes.count == 20, bytes[bytes.count - 1] == UInt8(ascii: "Z"),
                  bytes.count == 20 || bytes[19] == UInt8(ascii: ".")
            else { return nil }
            return CivilTime(dateAndTime: UnsafeBufferPointer(rebasing: bytes[0..<19]), separator: UInt8(ascii: "T"),
                             millisecond: bytes.count == 24 ? Self.number(bytes, 20, 3) : 0)
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// `YYYY-MM-DD?HH:MM:SS` with `separator` between date and time.
    package init?(dateAndTime bytes: UnsafeBufferPointer<UInt8>, separator: UInt8, millisecond: Int? = 0) {
        guard bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == separator,
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = Self.number(bytes, 0, 4), let month = Self.number(bytes, 5, 2), let day = Self.number(bytes, 8, 2),
              let hour = Self.number(bytes, 11, 2), let minute = Self.number(bytes, 14, 2), let second = Self.number(bytes, 17, 2),
              let millisecond
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millisecond)
    }

    /// Howard Hinnant's `days_from_civil`.
    package var date: Date {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        // Built as Foundation's parser builds it (the day's start, plus the time of day with its
        // fraction), so both read the same text as the same `Date`: adding the milliseconds to the
        // whole seconds since 2001 instead differed in the last bit for about one text in 300,000.
        let timeOfDay = Double(hour * 3600 + minute * 60 + second) + Double(millisecond) / 1000
        return Date(timeIntervalSinceReferenceDate: Double((days - Self.referenceDaySince1970) * 86_400) + timeOfDay)
    }

    /// 2001-01-01, `Date`'s reference, in days since 1970-01-01.
    package static let referenceDaySince1970: Int64 = 11_323

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ digits: Int) -> Int? {
        var value = 0
        for index in offset..<(offset + digits) {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor, remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
