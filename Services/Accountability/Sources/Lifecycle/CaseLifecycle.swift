import Foundation
import HotlineDomain

/// One event to append to the case's audit chain. `detail` (notes, reasons) stays in accountability.
package struct PendingCaseEvent: Sendable, Equatable {
    package var kind: CaseEventRecorded.Kind
    package var fromState: CaseState?
    package var toState: CaseState?
    package var target: String?
    package var detail: String?
    package var rating: Int?

    package init(kind: CaseEventRecorded.Kind, fromState: CaseState? = nil, toState: CaseState? = nil, target: String? = nil,
                 detail: String? = nil, rating: Int? = nil) {
        self.kind = kind
        self.fromState = fromState
        self.toState = toState
        self.target = target
        self.detail = detail
        self.rating = rating
    }
}

/// Messages a decision calls for; the desk turns them into notification requests.
package enum CaseEffect: Sendable, Equatable {
    /// The reporter learns the new state (never the category or place).
    case tellReporter(state: CaseState)
    /// The reporter is asked to rate the response, 1 to 5.
    case askReporterRating
    /// A target's members learn that the case is theirs to accept or act on.
    case alertTarget(code: String, reason: String)
    /// The oversight bodies of the case's place learn of an escalation.
    case alertOversight(reason: String)
}

package struct CaseDecision: Sendable, Equatable {
    package var snapshot: CaseSnapshot
    package var events: [PendingCaseEvent]
    package var effects: [CaseEffect]
}

/// Why an action was refused. `code` is stable (API and SMS replies key on it).
package struct CaseRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case notYourCase = "not_your_case"
        case illegalTransition = "illegal_transition"
        case missingText = "missing_text"
        case unknownTarget = "unknown_target"
        case awaitingReferral = "awaiting_referral"
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}

/// The rules of a case's life: pure, so every transition is tested without a database.
package struct CaseLifecycle: Sendable {
    package var deadlines: DeadlinePolicy

    package init(deadlines: DeadlinePolicy = DeadlinePolicy()) {
        self.deadlines = deadlines
    }

    /// - Parameter targetExists: whether a referral target is a known committee, college or partner.
    package func decide(_ action: CaseAction, on snapshot: CaseSnapshot, by actor: CaseActor, at now: Date,
                        targetExists: (String) -> Bool) -> Result<CaseDecision, CaseRefusal> {
        do {
            return .success(try decideOrThrow(action, on: snapshot, by: actor, at: now, targetExists: targetExists))
        } catch let refusal as CaseRefusal {
            return .failure(refusal)
        } catch {
            return .failure(CaseRefusal(.illegalTransition, "\(error)"))
        }
    }

    private func decideOrThrow(_ action: CaseAction, on snapshot: CaseSnapshot, by actor: CaseActor, at now: Date,
                               targetExists: (String) -> Bool) throws -> CaseDecision {
        var next = snapshot
        let isReferralReceiver = actor.target != nil && actor.target == snapshot.pendingReferral
        if let target = actor.target, !snapshot.actingTargets.contains(target), !isReferralReceiver {
            throw CaseRefusal(.notYourCase, "case \(snapshot.referenceCode) is not routed to \(target)")
        }

        switch action {
        case .acknowledge where snapshot.state == .referred:
            guard let receiver = snapshot.pendingReferral else { throw illegal(snapshot.state, .acknowledged) }
            guard actor.target == nil || isReferralReceiver else {
                throw CaseRefusal(.awaitingReferral, "case \(snapshot.referenceCode) waits for \(receiver) to accept the referral")
            }
            next.state = .acknowledged
            next.owner = receiver
            next.actingTargets.insert(receiver)
            next.pendingReferral = nil
            next.stateBeforeReferral = nil
            next.resolveDueAt = deadlines.resolveDeadline(snapshot.priority, from: now)
            return CaseDecision(snapshot: next, events: [
                PendingCaseEvent(kind: .referralAccepted, fromState: .referred, toState: .acknowledged, target: receiver),
            ], effects: [.tellReporter(state: .acknowledged)])

        case .dismiss(let reason) where isReferralReceiver && snapshot.state == .referred:
            // The receiver declines: the case goes back to whoever referred it, as it was.
            let previous = snapshot.stateBeforeReferral ?? .routed
            next.state = previous
            next.pendingReferral = nil
            next.stateBeforeReferral = nil
            next.acknowledgeDueAt = deadlines.acknowledgeDeadline(snapshot.priority, for: snapshot.owner, from: now)
            return CaseDecision(snapshot: next, events: [
                PendingCaseEvent(kind: .referralDeclined, fromState: .referred, toState: previous, target: actor.target, detail: reason),
            ], effects: [.alertTarget(code: snapshot.owner, reason: "referral_declined")])

        case _ where isReferralReceiver && !snapshot.actingTargets.contains(actor.target!):
            throw CaseRefusal(.awaitingReferral, "accept the referral of \(snapshot.referenceCode) first (OK \(snapshot.referenceCode))")

        case .acknowledge:
            try require(snapshot.state, .acknowledged)
            next.state = .acknowledged
            return CaseDecision(snapshot: next, events: [transition(snapshot.state, .acknowledged)],
                                effects: [.tellReporter(state: .acknowledged)])

        case .startWork:
            try require(snapshot.state, .inProgress)
            next.state = .inProgress
            return CaseDecision(snapshot: next, events: [transition(snapshot.state, .inProgress)], effects: [.tellReporter(state: .inProgress)])

        case .note(let text):
            guard !text.isEmpty else { throw CaseRefusal(.missingText, "a note needs text: NOTE \(snapshot.referenceCode) <text>") }
            return CaseDecision(snapshot: next, events: [PendingCaseEvent(kind: .note, detail: text)], effects: [])

        case .resolve(let summary):
            guard !summary.isEmpty else { throw CaseRefusal(.missingText, "say what was done: FAIT \(snapshot.referenceCode) <summary>") }
            try require(snapshot.state, .resolved)
            next.state = .resolved
            return CaseDecision(snapshot: next, events: [transition(snapshot.state, .resolved, detail: summary)],
                                effects: [.tellReporter(state: .resolved), .askReporterRating])

        case .refer(let target, let reason):
            guard targetExists(target) else { throw CaseRefusal(.unknownTarget, "unknown committee or college \(target)") }
            guard target != snapshot.owner else { throw CaseRefusal(.unknownTarget, "case \(snapshot.referenceCode) is already with \(target)") }
            try require(snapshot.state, .referred)
            next.state = .referred
            next.pendingReferral = target
            next.stateBeforeReferral = snapshot.state
            next.acknowledgeDueAt = deadlines.acknowledgeDeadline(snapshot.priority, for: target, from: now)
            return CaseDecision(snapshot: next, events: [
                PendingCaseEvent(kind: .referred, fromState: snapshot.state, toState: .referred, target: target, detail: reason),
            ], effects: [.alertTarget(code: target, reason: "referral")])

        case .dismiss(let reason):
            guard !reason.isEmpty else { throw CaseRefusal(.missingText, "give a reason: REJ \(snapshot.referenceCode) <reason>") }
            try require(snapshot.state, .dismissed)
            next.state = .dismissed
            return CaseDecision(snapshot: next, events: [transition(snapshot.state, .dismissed, detail: reason)],
                                effects: [.tellReporter(state: .dismissed)])

        case .reopen(let reason):
            guard !reason.isEmpty else { throw CaseRefusal(.missingText, "say why the resolution is disputed") }
            try require(snapshot.state, .reopened)
            next.state = .reopened
            next.acknowledgeDueAt = deadlines.acknowledgeDeadline(snapshot.priority, for: snapshot.owner, from: now)
            next.resolveDueAt = deadlines.resolveDeadline(snapshot.priority, from: now)
            return CaseDecision(snapshot: next, events: [transition(snapshot.state, .reopened, detail: reason)],
                                effects: [.tellReporter(state: .reopened), .alertTarget(code: snapshot.owner, reason: "reopened")])
        }
    }

    private func require(_ from: CaseState, _ to: CaseState) throws {
        guard from.canMove(to: to) else { throw illegal(from, to) }
    }

    private func illegal(_ from: CaseState, _ to: CaseState) -> CaseRefusal {
        CaseRefusal(.illegalTransition, "a case that is \(from.rawValue) cannot become \(to.rawValue)")
    }

    private func transition(_ from: CaseState, _ to: CaseState, detail: String? = nil) -> PendingCaseEvent {
        PendingCaseEvent(kind: .transition, fromState: from, toState: to, detail: detail)
    }
}
