@testable import AccountabilityService
import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import HotlineTestSupport
import Testing

/// A target's `active_hours` (targets.csv): its routine alerts wait for them, and so does the
/// acknowledgement clock of its non-urgent cases. Urgent cases ignore them.
@Suite("Active hours of committees and colleges")
struct ActiveHoursTests {
    /// The shipped reference data, with the cercle of Mopti's committee sitting 08:00-18:00; loaded
    /// once for the suite, since the suites share two threads with timing-sensitive ones.
    static let directory: ResponderDirectory = {
        var reference = try! ReferenceSet.load(directory: TestEnvironment.repositoryRoot + "/reference",
                                               protector: PIIProtector(keyring: .development), defaultCountryCode: "223")
        for index in reference.targets.indices where reference.targets[index].code == "CSC-ML-5-MOP" {
            reference.targets[index].activeHours = "08:00-18:00"
        }
        return ResponderDirectory(reference: reference, deadlines: DeadlinePolicy())
    }()

    var directory: ResponderDirectory { Self.directory }
    /// 02:00 in Bamako (UTC+0).
    let night = Date(timeIntervalSince1970: 1_800_000_000).addingTimeInterval(-1_800_000_000.truncatingRemainder(dividingBy: 86_400) + 2 * 3_600)

    func snapshot(_ priority: CasePriority, owner: String = "CSC-ML-5-MOP-SEV") -> CaseSnapshot {
        CaseSnapshot(
            caseID: UUID(), referenceCode: ReferenceCode(parsing: "HX7K2M")!, state: .routed, priority: priority, category: .theft,
            placeCode: "ML-5-MOP-SEV", placeLineage: ["ML", "ML-5", "ML-5-MOP", "ML-5-MOP-SEV"], owner: owner,
            actingTargets: [owner], pendingReferral: nil, stateBeforeReferral: nil, escalationLevel: 0,
            restrictedTarget: nil, acknowledgeDueAt: night, resolveDueAt: night, reporterLanguage: "fr", hasReporter: true, rating: nil)
    }

    @Test("the directory's deadlines carry the targets' hours; targets without hours are always on duty")
    func deadlines() {
        let morning = night.addingTimeInterval(6 * 3_600)
        #expect(directory.deadlines.hours.windows == ["CSC-ML-5-MOP": DailyWindow(start: 480, end: 1_080)])
        #expect(directory.deadlines.acknowledgeDeadline(.high, for: "CSC-ML-5-MOP", from: night) == morning.addingTimeInterval(12 * 3_600))
        #expect(directory.deadlines.acknowledgeDeadline(.urgent, for: "CSC-ML-5-MOP", from: night) == night.addingTimeInterval(3_600))
        #expect(directory.deadlines.acknowledgeDeadline(.high, for: "CSC-ML-5-MOP-SEV", from: night) == night.addingTimeInterval(12 * 3_600))
        #expect(directory.deadlines.acknowledgeDeadline(.high, for: nil, from: night) == night.addingTimeInterval(12 * 3_600))
    }

    @Test("escalating at night to a committee that sits by day starts its clock in the morning, unless the case is urgent")
    func escalation() {
        let high = directory.planner.escalate(snapshot(.high), at: night)
        #expect(high.snapshot.owner == "CSC-ML-5-MOP")
        #expect(high.snapshot.acknowledgeDueAt == night.addingTimeInterval((6 + 12) * 3_600))
        let urgent = directory.planner.escalate(snapshot(.urgent), at: night)
        #expect(urgent.snapshot.acknowledgeDueAt == night.addingTimeInterval(3_600))
    }

    @Test("a referral to a committee that sits by day gives it its full time from the morning")
    func referral() throws {
        let decision = try directory.lifecycle.decide(.refer(to: "CSC-ML-5-MOP", reason: nil), on: snapshot(.normal), by: .system, at: night,
                                                      targetExists: { directory.targets[$0] != nil }).get()
        #expect(decision.snapshot.acknowledgeDueAt == night.addingTimeInterval((6 + 48) * 3_600))
    }

    @Test("alerts to its members carry its hours and the zone they are read in; alerts to others carry none")
    func alerts() throws {
        let messages = CaseMessages(directory: directory)
        let alerts = messages.alert(target: "CSC-ML-5-MOP", template: "member.escalation", snapshot: snapshot(.high), idPrefix: "x")
        try #require(!alerts.isEmpty, "the shipped members file alerts someone at the cercle of Mopti")
        #expect(alerts.allSatisfy { $0.activeHours == "08:00-18:00" && $0.timeZone == "Africa/Bamako" && $0.priority == .routine })
        let others = messages.alert(target: "CSC-ML-5-MOP-SEV", template: "member.case_alert", snapshot: snapshot(.high), idPrefix: "y")
        try #require(!others.isEmpty)
        #expect(others.allSatisfy { $0.activeHours == nil && $0.timeZone == nil })
    }

    @Test("targets.csv refuses hours that are not two different times of day")
    func validation() throws {
        let gazetteer = directory.gazetteer
        let header = "code,type,specialty,name,jurisdiction,languages,active_hours\n"
        for bad in ["25:00-07:00", "08:00-08:00", "8h-18h", "08:00"] {
            #expect(throws: ReferenceDataError.self, "\(bad)") {
                try TargetFiles.parseTargets(header + "CSC-X,committee,,Comité,ML-5,fr,\(bad)\n", gazetteer: gazetteer)
            }
        }
        let parsed = try TargetFiles.parseTargets(header + "CSC-X,committee,,Comité,ML-5,fr,20:00-06:00\n", gazetteer: gazetteer)
        #expect(parsed.first?.activeWindow == DailyWindow(start: 1_200, end: 360))
    }
}
