import AccountabilityService
import Foundation
import HotlineDomain
import Testing

/// The lifecycle without a database: every action from every state, referrals and authorisation.
@Suite("Case lifecycle")
struct CaseLifecycleTests {
    let lifecycle = CaseLifecycle()
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let member = CaseActor(id: "M-SEV-01", role: "chair", channel: .sms, target: "CSC-ML-5-MOP-SEV")

    func snapshot(_ state: CaseState) -> CaseSnapshot {
        CaseSnapshot(
            caseID: UUID(), referenceCode: ReferenceCode(parsing: "HX7K2M")!, state: state, priority: .high, category: .theft,
            placeCode: "ML-5-MOP-SEV", placeLineage: ["ML", "ML-5", "ML-5-MOP", "ML-5-MOP-SEV"], owner: "CSC-ML-5-MOP-SEV",
            actingTargets: ["CSC-ML-5-MOP-SEV"], pendingReferral: state == .referred ? "COL-ML-5-DJE" : nil,
            stateBeforeReferral: state == .referred ? .acknowledged : nil, escalationLevel: 0, restrictedTarget: nil,
            acknowledgeDueAt: now, resolveDueAt: now, reporterLanguage: "fr", hasReporter: true, rating: nil)
    }

    static let actions: [(CaseAction, CaseState)] = [
        (.acknowledge, .acknowledged), (.startWork, .inProgress), (.resolve(summary: "voleurs arrêtés"), .resolved),
        (.refer(to: "COL-ML-5-DJE", reason: nil), .referred), (.dismiss(reason: "doublon"), .dismissed), (.reopen(reason: "rien n'a changé"), .reopened),
    ]

    @Test("every state × every action: allowed exactly when the transition table says so", arguments: CaseState.allCases)
    func transitionTable(from state: CaseState) {
        let coordinator = CaseActor(id: "api:k1", role: "coordinator", channel: .api)
        for (action, target) in Self.actions {
            var input = snapshot(state)
            if case .refer = action, state == .referred { input.pendingReferral = "OVS-ML-5" }
            let result = lifecycle.decide(action, on: input, by: coordinator, at: now, targetExists: { _ in true })
            let expected = state == .referred && target == .acknowledged ? true : state.canMove(to: target)
            switch result {
            case .success(let decision):
                #expect(expected, "\(state) → \(target) must be refused")
                #expect(decision.snapshot.state == target)
                #expect(decision.events.count == 1)
                #expect(decision.events[0].toState == target)
            case .failure(let refusal):
                #expect(!expected, "\(state) → \(target) must be allowed, got \(refusal)")
                #expect(refusal.code == .illegalTransition)
                #expect(refusal.message.contains(state.rawValue), "the reason names the current state")
            }
        }
    }

    @Test("a note is allowed in every state and changes nothing but the chain", arguments: CaseState.allCases)
    func notes(state: CaseState) throws {
        let decision = try lifecycle.decide(.note("patrouille envoyée"), on: snapshot(state), by: member, at: now, targetExists: { _ in true }).get()
        #expect(decision.snapshot.state == state)
        #expect(decision.events == [PendingCaseEvent(kind: .note, detail: "patrouille envoyée")])
    }

    @Test("resolving asks the reporter for a rating; dismissing and resolving need text")
    func resolveEffectsAndText() throws {
        let resolved = try lifecycle.decide(.resolve(summary: "bétail rendu"), on: snapshot(.inProgress), by: member, at: now, targetExists: { _ in true }).get()
        #expect(resolved.effects.contains(.askReporterRating))
        #expect(resolved.effects.contains(.tellReporter(state: .resolved)))
        for action in [CaseAction.resolve(summary: ""), .dismiss(reason: ""), .note(""), .reopen(reason: "")] {
            guard case .failure(let refusal) = lifecycle.decide(action, on: snapshot(.resolved), by: member, at: now, targetExists: { _ in true }) else {
                Issue.record("\(action) without text must be refused"); continue
            }
            #expect(refusal.code == .missingText)
        }
    }

    @Test("a member of another committee may not act; the referral receiver must accept before acting")
    func authorisation() throws {
        let outsider = CaseActor(id: "M-SEG-01", role: "chair", channel: .sms, target: "CSC-ML-4")
        guard case .failure(let refusal) = lifecycle.decide(.acknowledge, on: snapshot(.routed), by: outsider, at: now, targetExists: { _ in true }) else {
            Issue.record("an outsider acted"); return
        }
        #expect(refusal.code == .notYourCase)

        let receiver = CaseActor(id: "M-CDJ-01", role: "chair", channel: .sms, target: "COL-ML-5-DJE")
        let referred = snapshot(.referred)
        guard case .failure(let early) = lifecycle.decide(.note("x"), on: referred, by: receiver, at: now, targetExists: { _ in true }) else {
            Issue.record("the receiver acted before accepting"); return
        }
        #expect(early.code == .awaitingReferral)
        guard case .failure(let referrer) = lifecycle.decide(.acknowledge, on: referred, by: member, at: now, targetExists: { _ in true }) else {
            Issue.record("the referrer accepted its own referral"); return
        }
        #expect(referrer.code == .awaitingReferral)

        let accepted = try lifecycle.decide(.acknowledge, on: referred, by: receiver, at: now, targetExists: { _ in true }).get()
        #expect(accepted.snapshot.owner == "COL-ML-5-DJE")
        #expect(accepted.snapshot.state == .acknowledged)
        #expect(accepted.snapshot.actingTargets.contains("COL-ML-5-DJE"))
        #expect(accepted.events.first?.kind == .referralAccepted)

        let declined = try lifecycle.decide(.dismiss(reason: "pas de notre ressort"), on: referred, by: receiver, at: now, targetExists: { _ in true }).get()
        #expect(declined.snapshot.state == .acknowledged, "back as it was before the referral")
        #expect(declined.snapshot.owner == "CSC-ML-5-MOP-SEV")
        #expect(declined.events.first?.kind == .referralDeclined)
    }

    @Test("referral to an unknown target or to the owner itself is refused")
    func referralTargets() {
        for (target, exists) in [("CSC-XX-9", false), ("CSC-ML-5-MOP-SEV", true)] {
            guard case .failure(let refusal) = lifecycle.decide(.refer(to: target, reason: nil), on: snapshot(.acknowledged), by: member, at: now,
                                                                targetExists: { _ in exists }) else {
                Issue.record("referral to \(target) accepted"); continue
            }
            #expect(refusal.code == .unknownTarget)
        }
    }
}
