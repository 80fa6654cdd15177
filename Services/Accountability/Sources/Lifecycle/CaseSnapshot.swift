import Foundation
import HotlineDomain
import HotlineReference

/// A case as the lifecycle sees it: the row `accountability.cases` holds, locked for one decision.
package struct CaseSnapshot: Sendable, Equatable {
    package var caseID: UUID
    package var referenceCode: ReferenceCode
    package var state: CaseState
    package var priority: CasePriority
    package var category: IncidentCategory
    package var placeCode: String?
    /// Place codes from the country down to `placeCode`.
    package var placeLineage: [String]
    /// The target that leads the case now (after escalations and accepted referrals).
    package var owner: String
    /// Targets whose members may act on the case: the routed leads and every later owner.
    package var actingTargets: Set<String>
    package var pendingReferral: String?
    package var stateBeforeReferral: CaseState?
    package var escalationLevel: Int
    /// The only target that may see details (GBV); nil when the case is not restricted.
    package var restrictedTarget: String?
    package var acknowledgeDueAt: Date
    package var resolveDueAt: Date
    package var reporterLanguage: String
    package var hasReporter: Bool
    package var rating: Int?

    package init(caseID: UUID, referenceCode: ReferenceCode, state: CaseState, priority: CasePriority, category: IncidentCategory,
                 placeCode: String?, placeLineage: [String], owner: String, actingTargets: Set<String>, pendingReferral: String?,
                 stateBeforeReferral: CaseState?, escalationLevel: Int, restrictedTarget: String?, acknowledgeDueAt: Date,
                 resolveDueAt: Date, reporterLanguage: String, hasReporter: Bool, rating: Int?) {
        self.caseID = caseID
        self.referenceCode = referenceCode
        self.state = state
        self.priority = priority
        self.category = category
        self.placeCode = placeCode
        self.placeLineage = placeLineage
        self.owner = owner
        self.actingTargets = actingTargets
        self.pendingReferral = pendingReferral
        self.stateBeforeReferral = stateBeforeReferral
        self.escalationLevel = escalationLevel
        self.restrictedTarget = restrictedTarget
        self.acknowledgeDueAt = acknowledgeDueAt
        self.resolveDueAt = resolveDueAt
        self.reporterLanguage = reporterLanguage
        self.hasReporter = hasReporter
        self.rating = rating
    }

    /// Which clock is running: acknowledgement while nobody has taken the case, resolution after.
    package var awaitsAcknowledgement: Bool {
        state == .routed || state == .referred || state == .reopened
    }

    package var dueAt: Date? {
        if state.isTerminal { return nil }
        return awaitsAcknowledgement ? acknowledgeDueAt : resolveDueAt
    }
}

/// Who acted: pseudonymous, with a role and the channel used.
package struct CaseActor: Sendable, Equatable {
    package enum Channel: String, Sendable { case sms, api, system }

    package var id: String
    package var role: String
    package var channel: Channel
    /// The committee, college or partner an SMS member belongs to; nil for coordinators and the system.
    package var target: String?

    package init(id: String, role: String, channel: Channel, target: String? = nil) {
        self.id = id
        self.role = role
        self.channel = channel
        self.target = target
    }

    package static let system = CaseActor(id: "system", role: "system", channel: .system)
}

/// What someone asks to do to a case.
package enum CaseAction: Sendable, Equatable {
    case acknowledge
    case startWork
    case note(String)
    case resolve(summary: String)
    case refer(to: String, reason: String?)
    case dismiss(reason: String)
    case reopen(reason: String)
}

/// Per-priority deadlines (README: `HOTLINE_DEADLINE_*`).
package struct DeadlinePolicy: Sendable, Equatable {
    package var acknowledge: [CasePriority: Duration] = [.urgent: .seconds(3_600), .high: .seconds(12 * 3_600), .normal: .seconds(48 * 3_600)]
    package var resolve: [CasePriority: Duration] = [.urgent: .seconds(2 * 86_400), .high: .seconds(7 * 86_400), .normal: .seconds(30 * 86_400)]
    /// A non-urgent case's acknowledgement clock starts when its target is next on duty, since its
    /// alert waits for that too: escalating at night past people who were never told would be noise.
    package var hours = TargetHours()

    package init() {}

    /// The acknowledgement deadline of a case now awaiting `target`.
    package func acknowledgeDeadline(_ priority: CasePriority, for target: String?, from start: Date) -> Date {
        let begins = priority == .urgent ? start : hours.nextActive(target, from: start)
        return begins.addingTimeInterval(acknowledge[priority]!.seconds)
    }

    /// These deadlines with the targets' active hours.
    package func withActiveHours(of targets: some Sequence<Target>) -> DeadlinePolicy {
        var policy = self
        policy.hours = TargetHours(targets: targets, timeZone: hours.timeZone)
        return policy
    }

    package func resolveDeadline(_ priority: CasePriority, from start: Date) -> Date {
        start.addingTimeInterval(resolve[priority]!.seconds)
    }
}

extension Duration {
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
