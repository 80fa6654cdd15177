import Foundation
import NIOConcurrencyHelpers

/// Where accountability reads the time, so tests can make "48 hours later" happen at once.
package protocol CaseClock: Sendable {
    func now() -> Date
}

package struct SystemCaseClock: CaseClock {
    package init() {}
    package func now() -> Date { Date() }
}

/// A clock that moves only when told to.
package final class ManualCaseClock: CaseClock {
    private let current: NIOLockedValueBox<Date>

    package init(_ start: Date = Date()) { current = NIOLockedValueBox(start) }

    package func now() -> Date { current.withLockedValue { $0 } }

    package func advance(by interval: TimeInterval) {
        current.withLockedValue { $0 = $0.addingTimeInterval(interval) }
    }
}
