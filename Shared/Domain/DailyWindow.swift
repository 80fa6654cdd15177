import Foundation

/// A daily stretch of local time, `HH:MM-HH:MM`: a target's active hours, or the quiet hours when
/// only urgent SMS go out. `21:00-07:00` wraps past midnight; equal ends mean an empty window.
public struct DailyWindow: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after local midnight.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM` (hours 0–23, one or two digits; minutes 00–59).
    public init?(parsing text: String) {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let start = Self.minutes(ends[0]), let end = Self.minutes(ends[1]) else { return nil }
        self.init(start: start, end: end)
    }

    private static func minutes(_ text: Substring) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return hour * 60 + minute
    }

    public var description: String {
        func clock(_ minutes: Int) -> String {
            let (hour, minute) = minutes.quotientAndRemainder(dividingBy: 60)
            return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }
        return "\(clock(start))-\(clock(end))"
    }

    public func contains(minuteOfDay minute: Int) -> Bool {
        if start == end { return false }
        return start < end ? (start..<end).contains(minute) : (minute >= start || minute < end)
    }

    /// The earliest moment at or after `date` outside the window, in `timeZone`.
    public func nextOutside(from date: Date, in timeZone: TimeZone) -> Date {
        let (minute, startOfMinute) = Self.clock(date, in: timeZone)
        guard contains(minuteOfDay: minute) else { return date }
        return startOfMinute.addingTimeInterval(TimeInterval(Self.minutes(from: minute, to: end) * 60))
    }

    /// The earliest moment at or after `date` inside the window, in `timeZone`; `date` itself
    /// when the window is empty, so an empty window never holds anything back forever.
    public func nextInside(from date: Date, in timeZone: TimeZone) -> Date {
        let (minute, startOfMinute) = Self.clock(date, in: timeZone)
        guard start != end, !contains(minuteOfDay: minute) else { return date }
        return startOfMinute.addingTimeInterval(TimeInterval(Self.minutes(from: minute, to: start) * 60))
    }

    private static func minutes(from minute: Int, to target: Int) -> Int {
        (target - minute + 24 * 60) % (24 * 60)
    }

    /// The local minute of the day and the moment that minute began.
    private static func clock(_ date: Date, in timeZone: TimeZone) -> (minute: Int, startOfMinute: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        let fraction = date.timeIntervalSinceReferenceDate - date.timeIntervalSinceReferenceDate.rounded(.down)
        let startOfMinute = date.addingTimeInterval(-TimeInterval(parts.second ?? 0) - fraction)
        return ((parts.hour ?? 0) * 60 + (parts.minute ?? 0), startOfMinute)
    }
}
