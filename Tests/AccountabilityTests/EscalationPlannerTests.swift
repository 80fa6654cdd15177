import AccountabilityService
import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import HotlineTestSupport
import Testing

/// The escalation chain over the shipped reference files: commune, cercle, region, national.
@Suite("Escalation chain")
struct EscalationPlannerTests {
    /// Loaded once for the suite: the suites share two threads with timing-sensitive ones.
    static let planner: EscalationPlanner = {
        let reference = try! ReferenceSet.load(directory: TestEnvironment.repositoryRoot + "/reference",
                                               protector: PIIProtector(keyring: .development), defaultCountryCode: "223")
        return EscalationPlanner(targets: reference.targets, deadlines: DeadlinePolicy())
    }()

    var planner: EscalationPlanner { Self.planner }
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("Sévaré's committee escalates to the cercle of Mopti, then the region, then national coordination, then stops")
    func chain() {
        let lineage = ["ML", "ML-5", "ML-5-MOP", "ML-5-MOP-SEV"]
        #expect(planner.nextLevel(above: "CSC-ML-5-MOP-SEV", lineage: lineage)?.code == "CSC-ML-5-MOP")
        #expect(planner.nextLevel(above: "CSC-ML-5-MOP", lineage: lineage)?.code == "CSC-ML-5")
        #expect(planner.nextLevel(above: "CSC-ML-5", lineage: lineage)?.code == "NAT-TRIAGE")
        #expect(planner.nextLevel(above: "NAT-TRIAGE", lineage: lineage) == nil)
        #expect(planner.oversight(for: lineage).map(\.code) == ["OVS-ML-5"])
    }

    @Test("a GBV partner escalates only to a GBV partner, so the restriction holds")
    func partners() {
        let lineage = ["ML", "ML-5", "ML-5-MOP", "ML-5-MOP-SEV"]
        #expect(planner.nextLevel(above: "GBV-ML-5", lineage: lineage)?.code == "NAT-GBV")
        #expect(planner.nextLevel(above: "NAT-GBV", lineage: lineage) == nil)
    }

    @Test("escalation moves the owner, sets a new deadline and alerts oversight; at the top it records the breach")
    func decisions() {
        var snapshot = CaseSnapshot(
            caseID: UUID(), referenceCode: ReferenceCode(parsing: "HX7K2M")!, state: .routed, priority: .urgent, category: .armedAttack,
            placeCode: "ML-5-MOP-SEV", placeLineage: ["ML", "ML-5", "ML-5-MOP", "ML-5-MOP-SEV"], owner: "CSC-ML-5-MOP-SEV",
            actingTargets: ["CSC-ML-5-MOP-SEV"], pendingReferral: nil, stateBeforeReferral: nil, escalationLevel: 0,
            restrictedTarget: nil, acknowledgeDueAt: now, resolveDueAt: now, reporterLanguage: "fr", hasReporter: true, rating: nil)
        let first = planner.escalate(snapshot, at: now)
        #expect(first.snapshot.owner == "CSC-ML-5-MOP")
        #expect(first.snapshot.escalationLevel == 1)
        #expect(first.snapshot.acknowledgeDueAt == now.addingTimeInterval(3_600), "urgent: one hour again at the new level")
        #expect(first.snapshot.actingTargets == ["CSC-ML-5-MOP-SEV", "CSC-ML-5-MOP"])
        #expect(first.events.map(\.kind) == [.escalated])
        #expect(first.effects.contains(.alertOversight(reason: "escalation")))

        snapshot.owner = "NAT-TRIAGE"
        let top = planner.escalate(snapshot, at: now)
        #expect(top.snapshot.owner == "NAT-TRIAGE")
        #expect(top.events.map(\.kind) == [.deadlineBreached])
        #expect(top.snapshot.acknowledgeDueAt > now, "the top keeps being reminded, not every tick")
    }
}
