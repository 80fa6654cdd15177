import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import HotlineTestSupport
@testable import RoutingService
import Testing

/// Rule evaluation and reference-file validation, without servers.
@Suite("Routing rules")
struct RuleEngineTests {
    let reference = RoutingCorpusTests.reference
    var router: ReportRouter { ReportRouter(reference: reference, country: "ML") }

    func route(_ text: String, hint: String? = nil, placeCode: String? = nil, category: String? = nil) -> ReportRouter.Outcome {
        let reporter = try! PIIProtector(keyring: .development).protect(PhoneNumber.normalise("+22376000001", defaultCountryCode: "223")!)
        let report = ReportReceived(reportID: ReportID(), referenceCode: .random(), channel: .sms, language: "fr", text: text,
                                    locationHint: hint, receivedAt: Date(), reporter: reporter, categoryHint: category, placeCode: placeCode)
        return router.route(report, caseID: UUID(), routedAt: Date())
    }

    @Test("every case goes to the committee of the smallest unit that has one")
    func nearestCommittee() {
        #expect(route("vol de moutons à Sévaré").routed.targets.first { $0.role == .lead }?.code == "CSC-ML-5-MOP-SEV")
        #expect(route("vol de moutons à Konna").routed.targets.first { $0.role == .lead }?.code == "CSC-ML-5-MOP", "no commune committee: the cercle's")
        #expect(route("vol de moutons à Tessit").routed.targets.first { $0.role == .lead }?.code == "CSC-ML-7-ANS")
        #expect(route("vol de moutons", placeCode: "ML-9-MNK-MNK").routed.targets.first { $0.role == .lead }?.code == "CSC-ML-9")
    }

    @Test("no place found: national triage leads and the reporter is asked for the commune")
    func unknownPlace() {
        let outcome = route("on m'a volé mon téléphone")
        #expect(outcome.routed.place.code == nil)
        #expect(outcome.routed.targets.first { $0.role == .lead }?.code == "NAT-TRIAGE")
        #expect(outcome.notifications.contains { $0.template == "reporter.ask_commune" })
    }

    @Test("two places in different communes: routed at their common unit, marked ambiguous, commune asked")
    func ambiguousPlace() {
        let outcome = route("des hommes armés ont attaqué le bus entre Douentza et Hombori")
        #expect(outcome.routed.place.code == "ML-5-DTZ")
        #expect(outcome.routed.place.ambiguous)
        #expect(outcome.notifications.contains { $0.template == "reporter.ask_commune" })
        #expect(outcome.routed.targets.first { $0.role == .lead }?.code == "CSC-ML-5-DTZ")
    }

    @Test("urgent cases alert the committee's on-call members at once and national coordination follows")
    func urgentCases() {
        let outcome = route("des hommes armés attaquent le marché de Sévaré maintenant")
        #expect(outcome.routed.priority == .urgent)
        #expect(outcome.routed.rule.id == "urgent-default")
        #expect(outcome.routed.targets.contains { $0.code == "NAT-TRIAGE" && $0.role == .informed })
        let urgentAlerts = outcome.notifications.filter { $0.audience == "member" && $0.priority == .urgent }
        #expect(urgentAlerts.contains { $0.notificationID.hasSuffix("M-SEV-02") }, "the on-call member of Sévaré")
    }

    @Test("land disputes go to the college where one sits, the committee informed; elsewhere the committee leads")
    func landDisputes() {
        let djenne = route("litige foncier entre éleveurs et agriculteurs à Djenné")
        #expect(djenne.routed.targets.contains { $0.code == "COL-ML-5-DJE" && $0.role == .lead })
        #expect(djenne.routed.targets.contains { $0.code == "CSC-ML-5-DJE" && $0.role == .informed })
        let segou = route("litige foncier entre éleveurs et agriculteurs à Markala")
        #expect(segou.routed.targets.first { $0.role == .lead }?.code == "CSC-ML-4", "no college: the committee leads")
    }

    @Test("alerts to a college that keeps active hours carry them and the local zone; the reporter's acknowledgement never does")
    func activeHours() throws {
        var reference = self.reference
        for index in reference.targets.indices where reference.targets[index].code == "COL-ML-5-DJE" {
            reference.targets[index].activeHours = "08:00-18:00"
        }
        let router = ReportRouter(reference: reference, country: "ML", timeZone: try #require(TimeZone(identifier: "Africa/Niamey")))
        let reporter = try PIIProtector(keyring: .development).protect(PhoneNumber.normalise("+22376000001", defaultCountryCode: "223")!)
        let report = ReportReceived(reportID: ReportID(), referenceCode: .random(), channel: .sms, language: "fr",
                                    text: "litige foncier entre éleveurs et agriculteurs à Djenné", locationHint: nil, receivedAt: Date(),
                                    reporter: reporter, categoryHint: nil, placeCode: nil)
        let alerts = router.route(report, caseID: UUID(), routedAt: Date()).notifications
        let college = alerts.filter { $0.parameters["target"] == "COL-ML-5-DJE" }
        let committee = alerts.filter { $0.parameters["target"] == "CSC-ML-5-DJE" }
        try #require(!college.isEmpty && !committee.isEmpty)
        #expect(college.allSatisfy { $0.activeHours == "08:00-18:00" && $0.timeZone == "Africa/Niamey" })
        #expect(committee.allSatisfy { $0.activeHours == nil && $0.timeZone == nil })
        #expect(alerts.filter { $0.audience == "reporter" }.allSatisfy { $0.activeHours == nil })
    }

    @Test("redelivering a report plans identical notification ids for the same case")
    func deterministicNotificationIDs() {
        let reporter = try! PIIProtector(keyring: .development).protect(PhoneNumber.normalise("+22376000001", defaultCountryCode: "223")!)
        let report = ReportReceived(reportID: ReportID(), referenceCode: .random(), channel: .sms, language: "fr",
                                    text: "vol à Gao", locationHint: nil, receivedAt: Date(), reporter: reporter)
        let caseID = UUID()
        let first = router.route(report, caseID: caseID, routedAt: Date()).notifications.map(\.notificationID)
        let second = router.route(report, caseID: caseID, routedAt: Date()).notifications.map(\.notificationID)
        #expect(first == second && Set(first).count == first.count)
    }

    @Test("rule files are validated whole: unknown targets, unknown places and a missing catch-all are refused")
    func ruleValidation() {
        let header = "rule,category,priority,jurisdiction,target,role,restricted,fallback,reason\n"
        let catchAll = "default,*,*,*,committee@nearest,lead,no,,x\n"
        let cases = [
            header + "r1,theft,*,*,NOPE,lead,no,,x\n" + catchAll,
            header + "r1,theft,*,ML-99,committee@nearest,lead,no,,x\n" + catchAll,
            header + "r1,weather,*,*,committee@nearest,lead,no,,x\n" + catchAll,
            header + "r1,theft,*,*,committee@nearest,boss,no,,x\n" + catchAll,
            header + "r1,theft,*,*,committee@nearest,lead,no,,x\n",
        ]
        for text in cases {
            #expect(throws: ReferenceDataError.self) {
                try RuleFiles.parse(text, gazetteer: reference.gazetteer, targets: reference.targets)
            }
        }
    }

    @Test("the gazetteer refuses unknown parents, duplicate codes and inverted levels")
    func gazetteerValidation() {
        let header = "code,parent,level,name,alternates\nML,,country,Mali,\n"
        for body in ["ML-1,ML-9,region,X,\n", "ML-1,ML,region,X,\nML-1,ML,region,Y,\n", "ML-1,ML,region,X,\nML-2,ML-1,country,Y,\n", "ML-1,ML,planet,X,\n"] {
            #expect(throws: ReferenceDataError.self) { try Gazetteer.parseCSV(header + body) }
        }
    }
}
