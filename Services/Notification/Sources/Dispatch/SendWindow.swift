import Foundation
import HotlineDomain

/// When a message may go: urgent ones at once; others outside the configured quiet hours or,
/// for an alert to a target that keeps active hours, inside that target's hours (they replace
/// the quiet hours: the committee said when it can be reached).
struct SendWindow: Sendable {
    let window: DailyWindow?
    let defaultTimeZone: TimeZone

    init(window: DailyWindow?, defaultTimeZone: String) {
        self.window = window
        self.defaultTimeZone = TimeZone(identifier: defaultTimeZone) ?? .gmt
    }

    func earliestSend(for priority: NotificationRequested.Priority, timeZone: String?, activeHours: String? = nil,
                      at date: Date) -> Date {
        guard priority != .urgent else { return date }
        let zone = timeZone.flatMap(TimeZone.init(identifier:)) ?? defaultTimeZone
        if let active = activeHours.flatMap(DailyWindow.init(parsing:)) {
            return active.nextInside(from: date, in: zone)
        }
        return window?.nextOutside(from: date, in: zone) ?? date
    }

    /// Why a message waits until `notBefore`, for its history.
    static func deferral(until notBefore: Date, activeHours: String?) -> String {
        if let hours = activeHours.flatMap(DailyWindow.init(parsing:)) {
            return "outside the target's active hours \(hours): not before \(Timestamp.format(notBefore))"
        }
        return "quiet hours: not before \(Timestamp.format(notBefore))"
    }
}
