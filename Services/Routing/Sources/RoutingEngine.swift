import Foundation
import HotlineDomain
import HotlineReference

/// The routing decision as a library: reference data in, routed case and notifications out.
/// No I/O; used by the service, by benchmarks and by tools that explain a decision.
public struct RoutingEngine: Sendable {
    private let router: ReportRouter

    public init(reference: ReferenceSet, country: String, timeZone: TimeZone = TargetHours.defaultTimeZone) {
        self.router = ReportRouter(reference: reference, country: country, timeZone: timeZone)
    }

    public func route(_ report: ReportReceived, caseID: UUID = UUID.random(), routedAt: Date = Date()) -> (CaseRouted, [NotificationRequested]) {
        let outcome = router.route(report, caseID: caseID, routedAt: routedAt)
        return (outcome.routed, outcome.notifications)
    }
}
