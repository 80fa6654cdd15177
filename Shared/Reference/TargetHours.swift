import Foundation
import HotlineDomain

/// When targets can be reached: their `active_hours` in `targets.csv`, read in the deployment's
/// local zone (`HOTLINE_LOCAL_TIME_ZONE`). Targets without hours are always reachable.
public struct TargetHours: Sendable, Equatable {
    public var windows: [String: DailyWindow]
    public var timeZone: TimeZone

    public init(windows: [String: DailyWindow] = [:], timeZone: TimeZone = TargetHours.defaultTimeZone) {
        self.windows = windows
        self.timeZone = timeZone
    }

    public init(targets: some Sequence<Target>, timeZone: TimeZone = TargetHours.defaultTimeZone) {
        self.init(windows: Dictionary(targets.compactMap { target in target.activeWindow.map { (target.code, $0) } },
                                      uniquingKeysWith: { first, _ in first }),
                  timeZone: timeZone)
    }

    public static let defaultTimeZone = TimeZone(identifier: "Africa/Bamako") ?? .gmt

    /// `date`, or the start of `target`'s next active hours when it is off duty then.
    public func nextActive(_ target: String?, from date: Date) -> Date {
        guard let window = target.flatMap({ windows[$0] }) else { return date }
        return window.nextInside(from: date, in: timeZone)
    }

    /// Sets an alert's hours and zone, so notification holds a non-urgent one until `target` sits.
    public func stamp(_ alert: inout NotificationRequested, for target: String) {
        guard let window = windows[target] else { return }
        alert.activeHours = window.description
        alert.timeZone = timeZone.identifier
    }
}
