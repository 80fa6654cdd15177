import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import HotlineTestSupport
@testable import RoutingService
import Testing

/// Routing quality against the labelled corpus, without servers.
@Suite("Routing quality on the labelled corpus")
struct RoutingCorpusTests {
    struct Sample: Sendable {
        var id: String
        var language: String
        var category: IncidentCategory
        var priority: CasePriority
        var place: String
        var text: String
    }

    static let reference: ReferenceSet = try! ReferenceSet.load(
        directory: TestEnvironment.repositoryRoot + "/reference", protector: PIIProtector(keyring: .development), defaultCountryCode: "223")

    static let corpus: [Sample] = {
        let text = try! String(contentsOfFile: TestEnvironment.repositoryRoot + "/Tests/RoutingTests/corpus.csv", encoding: .utf8)
        let csv = try! CSVFile(text, file: "corpus.csv", header: ["id", "language", "category", "priority", "place", "text"])
        return csv.rows.map { row in
            let f = row.fields
            return Sample(id: f[0], language: f[1], category: IncidentCategory(rawValue: f[2])!, priority: CasePriority(rawValue: f[3])!,
                          place: f[4], text: f[5])
        }
    }()

    func router(country: String) -> ReportRouter { ReportRouter(reference: Self.reference, country: country) }

    func route(_ sample: Sample) -> ReportRouter.Outcome {
        let country = String(sample.place.prefix(2))
        let report = ReportReceived(
            reportID: ReportID(), referenceCode: ReferenceCode.random(), channel: .sms, language: sample.language, text: sample.text,
            locationHint: nil, receivedAt: Date(),
            reporter: try! PIIProtector(keyring: .development).protect(PhoneNumber.normalise("+22376000000", defaultCountryCode: "223")!))
        return router(country: country).route(report, caseID: UUID(), routedAt: Date())
    }

    @Test("the corpus is big enough and covers every language and category")
    func corpusShape() {
        #expect(Self.corpus.count >= 150)
        #expect(Set(Self.corpus.map(\.language)) == ["fr", "en", "ar", "bm", "ha"])
        #expect(Set(Self.corpus.map(\.category)) == Set(IncidentCategory.allCases))
        #expect(Set(Self.corpus.map(\.id)).count == Self.corpus.count)
    }

    @Test("accuracy per language: primary category ≥ 90 %, place at the right unit ≥ 90 %")
    func accuracy() {
        var report: [String] = []
        var categoryHits = 0, placeHits = 0, priorityHits = 0
        var misses: [String] = []
        for language in ["fr", "en", "ar", "bm", "ha"] {
            let samples = Self.corpus.filter { $0.language == language }
            var c = 0, p = 0, pr = 0
            for sample in samples {
                let outcome = route(sample)
                let placeCode = outcome.routed.place.code ?? String(sample.place.prefix(2))
                if outcome.routed.primaryCategory == sample.category { c += 1 } else {
                    misses.append("\(sample.id) category \(outcome.routed.primaryCategory.rawValue) ≠ \(sample.category.rawValue)")
                }
                if placeCode == sample.place { p += 1 } else { misses.append("\(sample.id) place \(placeCode) ≠ \(sample.place)") }
                if outcome.routed.priority == sample.priority { pr += 1 } else {
                    misses.append("\(sample.id) priority \(outcome.routed.priority.rawValue) ≠ \(sample.priority.rawValue)")
                }
            }
            categoryHits += c
            placeHits += p
            priorityHits += pr
            report.append("\(language): category \(c)/\(samples.count), place \(p)/\(samples.count), priority \(pr)/\(samples.count)")
        }
        let total = Double(Self.corpus.count)
        print("routing accuracy\n" + report.joined(separator: "\n") + "\nmisses:\n" + misses.joined(separator: "\n"))
        #expect(Double(categoryHits) / total >= 0.9, "category accuracy \(categoryHits)/\(Self.corpus.count)")
        #expect(Double(placeHits) / total >= 0.9, "place accuracy \(placeHits)/\(Self.corpus.count)")
        #expect(Double(priorityHits) / total >= 0.85, "priority accuracy \(priorityHits)/\(Self.corpus.count)")
        for language in ["fr", "en", "ar", "bm", "ha"] {
            let samples = Self.corpus.filter { $0.language == language }
            let hits = samples.filter { route($0).routed.primaryCategory == $0.category }.count
            #expect(Double(hits) / Double(samples.count) >= 0.8, "\(language) category accuracy \(hits)/\(samples.count)")
        }
    }

    @Test("safety: no complaint against security forces goes only to the forces' committee")
    func securityForcesNeverOnlyToTheForce() {
        let reports = Self.corpus.filter { $0.category == .securityForcesMisconduct }.map { route($0).routed }
            + Self.corpus.map { route($0).routed }.filter { $0.primaryCategory == .securityForcesMisconduct }
        #expect(!reports.isEmpty)
        for routed in reports where routed.primaryCategory == .securityForcesMisconduct {
            // Security advisory committees sit with the police and gendarmerie: someone outside them must be involved.
            #expect(routed.targets.contains { $0.type != .committee }, "\(routed.referenceCode): \(routed.targets.map(\.code))")
            let hasCollegeOrOversight = routed.targets.contains { $0.type == .college || $0.role == .oversight }
            let nationalLeads = routed.targets.contains { $0.type == .national && $0.role == .lead }
            #expect(hasCollegeOrOversight || nationalLeads, "a college, an oversight body, or national coordination handles it")
        }
    }

    @Test("safety: GBV text and details reach only the restricted partner")
    func genderBasedViolenceStaysRestricted() {
        for sample in Self.corpus {
            let outcome = route(sample)
            guard outcome.routed.primaryCategory == .genderBasedViolence else { continue }
            #expect(outcome.routed.text == nil && outcome.routed.textRestricted, "\(sample.id): the routed event carries no text")
            let lead = outcome.routed.targets.first { $0.role == .lead }
            #expect(lead?.type == .partner && lead?.restricted == true, "\(sample.id): a protected partner leads")
            for request in outcome.notifications where request.audience == "member" {
                let target = request.parameters["target"].flatMap { code in outcome.routed.targets.first { $0.code == code } }
                if target?.restricted != true {
                    #expect(request.template == "member.case_exists", "\(sample.id): \(request.template)")
                    #expect(request.parameters["category"] == nil && request.parameters["place"] == nil)
                }
            }
        }
    }

    @Test("reporter messages never carry the category or place; member alerts carry no reporter")
    func notificationPrivacy() {
        for sample in Self.corpus.prefix(40) {
            let outcome = route(sample)
            for request in outcome.notifications {
                if request.audience == "reporter" {
                    #expect(Set(request.parameters.keys) == ["reference_code"])
                } else {
                    #expect(request.recipient != outcome.routed.reporter)
                    #expect(!request.parameters.values.contains { $0.contains(sample.text) })
                }
            }
        }
    }
}

