import Foundation
import HotlineDomain
import HotlineKafka
import HotlineTestSupport
import PostgresNIO
import Testing
@testable import WarehouseService

@Suite("Warehouse loader")
struct LoaderUnitTests {
    @Test("actors: member ids are kept; API key ids and anything else are reduced to their kind")
    func actors() {
        #expect(Actor("M-SEV-01").type == "member" && Actor("M-SEV-01").memberID == "M-SEV-01")
        #expect(Actor("api:7f3a9c").type == "api" && Actor("api:7f3a9c").memberID == nil)
        #expect(Actor("system").type == "system" && Actor("system").memberID == nil)
        #expect(Actor("reporter").type == "reporter" && Actor("reporter").memberID == nil)
        #expect(Actor("+22376123456").type == "other" && Actor("+22376123456").memberID == nil)
        #expect(Actor("Aminata Traoré").type == "other" && Actor("Aminata Traoré").memberID == nil)
    }

    @Test("percentile_cont reference: linear interpolation between ranks")
    func percentiles() {
        #expect(ExpectedFigures.percentileCont(0.5, [1, 2, 3, 4]) == 2.5)
        #expect(ExpectedFigures.percentileCont(0.9, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])! - 9.1 < 1e-12)
        #expect(ExpectedFigures.percentileCont(0.9, [7]) == 7)
        #expect(ExpectedFigures.percentileCont(0.5, []) == nil)
    }

    @Test("public view: a place, category and week with 4 cases is suppressed, with 5 it is published; undecodable records are dead-lettered")
    func suppressionThreshold() async throws {
        var month = SyntheticMonth(seed: 99, caseCount: 9, surveyCount: 0)
        let sevare = SyntheticMonth.areas[0]
        for index in month.cases.indices {
            month.cases[index].area = sevare
            month.cases[index].lead = sevare.committee
            month.cases[index].leadType = .committee
            month.cases[index].category = index < 4 ? .theft : .armedAttack
            month.cases[index].routedAt = month.start.addingTimeInterval(Double(index) * 3600)
        }
        month.notifications = []
        let cases = month.cases
        let routedOnly = try month.records().filter { $0.topic == Topic.casesRouted }
        try await WarehouseHarness.with { harness in
            #expect(routedOnly.count == cases.count)
            try await harness.feed(routedOnly)
            let rows = try await harness.rows("""
                SELECT category_code, cases, suppressed FROM \(unescaped: harness.w).public_cases_weekly ORDER BY category_code
                """, as: (String, Int?, Bool).self)
            #expect(rows.count == 2)
            #expect(rows.first { $0.0 == "armed_attack" }.map { $0.1 == 5 && !$0.2 } == true)
            #expect(rows.first { $0.0 == "theft" }.map { $0.1 == nil && $0.2 } == true)

            let garbage = KafkaConsumerMessage(topic: Topic.caseEvents, partition: 0, offset: 0, key: [], value: Array("not json".utf8), headers: [])
            await #expect(throws: PermanentHandlerError.self) { try await harness.loader.handle(garbage) }
            let unknown = EventEnvelope(source: "/test", type: "org.hotline.something.v9", data: ["a": "b"])
            let ignored = KafkaConsumerMessage(topic: Topic.caseEvents, partition: 0, offset: 1, key: [],
                                               value: try EventCoding.encode(unknown), headers: [])
            #expect(try await harness.loader.handle(ignored) == .ignored)
        }
    }
}
