import Foundation
import HotlineDomain
import HotlineReference

/// Where silence goes: one level up the jurisdiction chain (commune, cercle, region), then the
/// national coordination. Pure, so the chain is tested without a database or a clock.
package struct EscalationPlanner: Sendable {
    package let targets: [String: Target]
    package let deadlines: DeadlinePolicy

    package init(targets: [Target], deadlines: DeadlinePolicy) {
        self.targets = Dictionary(targets.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        self.deadlines = deadlines
    }

    /// The decision for a case whose running deadline has passed at `now`.
    package func escalate(_ snapshot: CaseSnapshot, at now: Date) -> CaseDecision {
        let missed = snapshot.awaitsAcknowledgement ? "acknowledgement deadline missed" : "resolution deadline missed"
        var next = snapshot
        let above = nextLevel(above: snapshot.owner, lineage: snapshot.placeLineage)
        if snapshot.awaitsAcknowledgement {
            next.acknowledgeDueAt = deadlines.acknowledgeDeadline(snapshot.priority, for: above?.code ?? snapshot.owner, from: now)
        } else {
            next.resolveDueAt = deadlines.resolveDeadline(snapshot.priority, from: now)
        }
        guard let above else {
            // Nobody above: record the breach and keep reminding the top at each new deadline.
            return CaseDecision(snapshot: next, events: [
                PendingCaseEvent(kind: .deadlineBreached, target: snapshot.owner, detail: missed),
            ], effects: [.alertTarget(code: snapshot.owner, reason: "deadline"), .alertOversight(reason: "deadline")])
        }
        next.owner = above.code
        next.actingTargets.insert(above.code)
        next.escalationLevel += 1
        var event = PendingCaseEvent(kind: .escalated, target: above.code, detail: "\(missed); escalated from \(snapshot.owner)")
        if snapshot.state == .referred {
            // An unanswered referral lapses: the higher level takes the case as it was.
            next.state = snapshot.stateBeforeReferral ?? .routed
            next.pendingReferral = nil
            next.stateBeforeReferral = nil
            event.fromState = .referred
            event.toState = next.state
        }
        return CaseDecision(snapshot: next, events: [event],
                            effects: [.alertTarget(code: above.code, reason: "escalation"), .alertOversight(reason: "escalation")])
    }

    /// The nearest target of the owner's kind strictly above it in the case's place lineage; then
    /// the national coordination. Partners escalate to partners, so restricted cases stay restricted.
    package func nextLevel(above ownerCode: String, lineage: [String]) -> Target? {
        let owner = targets[ownerCode]
        if owner?.type == .national { return nil }
        let ownerDepth = owner.flatMap { lineage.firstIndex(of: $0.jurisdiction) } ?? lineage.count
        let isPartner = owner?.type == .partner
        let candidates = targets.values.filter { target in
            guard let depth = lineage.firstIndex(of: target.jurisdiction), depth < ownerDepth, target.code != ownerCode else { return false }
            return isPartner ? (target.type == .partner && target.specialty == owner?.specialty) : target.type == .committee
        }
        if let nearest = candidates.max(by: { lhs, rhs in
            let (left, right) = (lineage.firstIndex(of: lhs.jurisdiction)!, lineage.firstIndex(of: rhs.jurisdiction)!)
            return left != right ? left < right : lhs.code > rhs.code
        }) {
            return nearest
        }
        if isPartner { return nil }
        return targets.values.filter { $0.type == .national && ($0.specialty ?? "").isEmpty }.min { $0.code < $1.code }
    }

    /// Oversight bodies whose jurisdiction covers the case's place.
    package func oversight(for lineage: [String]) -> [Target] {
        targets.values.filter { $0.type == .oversight && lineage.contains($0.jurisdiction) }.sorted { $0.code < $1.code }
    }
}
