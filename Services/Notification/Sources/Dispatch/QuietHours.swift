import Foundation
import HotlineDomain

/// A daily window, in the recipient area's local time, when only urgent messages are sent.
/// `21:00-07:00` wraps past midnight; equal ends mean no quiet hours.
public struct QuietHours: Sendable, Equatable {
    /// Minutes after local midnight.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM`.
    public init?(parsing text: String) {
        let ends = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2, let start = Self.minutes(ends[0]), let end = Self.minutes(ends[1]) else { return nil }
        self.init(start: start, end: end)
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return hour * 60 + minute
    }

    func contains(minuteOfDay minute: Int) -> Bool {
        if start == end { return false }
        return start < end ? (start..<end).contains(minute) : (minute >= start || minute < end)
    }

    /// The earliest moment at or after `date` outside the window, in `timeZone`.
    public func nextAllowed(after date: Date, in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        guard contains(minuteOfDay: minute) else { return date }
        let wait = (end - minute + 24 * 60) % (24 * 60)
        let fraction = date.timeIntervalSinceReferenceDate - date.timeIntervalSinceReferenceDate.rounded(.down)
        let startOfMinute = date.addingTimeInterval(-TimeInterval(parts.second ?? 0) - fraction)
        return startOfMinute.addingTimeInterval(TimeInterval(wait * 60))
    }
}

/// Quiet hours as configured, applied to one message: urgent ones always go at once.
struct QuietHoursPolicy: Sendable {
    let window: QuietHours?
    let defaultTimeZone: TimeZone

    init(window: QuietHours?, defaultTimeZone: String) {
        self.window = window
        self.defaultTimeZone = TimeZone(identifier: defaultTimeZone) ?? .gmt
    }

    func earliestSend(for priority: NotificationRequested.Priority, timeZone: String?, at date: Date) -> Date {
        guard let window, priority != .urgent else { return date }
        let zone = timeZone.flatMap(TimeZone.init(identifier:)) ?? defaultTimeZone
        return window.nextAllowed(after: date, in: zone)
    }
}
