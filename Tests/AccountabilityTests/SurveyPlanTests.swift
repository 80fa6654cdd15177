import AccountabilityService
import HotlineStorage
import HotlineTestSupport
import PostgresNIO
import Testing

@Suite("Survey scheduling against PostgreSQL")
struct SurveyPlanTests {
    @Test("the survey's areas are read on the index of rated cases, not over every case")
    func surveyAreasUseRatedIndex() async throws {
        let logger = TestEnvironment.logger
        let client = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([client]) {
            try await AccountabilityHarness.prepare(client)
            let plan = try await client.withTransaction(logger: logger) { connection in
                // Tiny test tables make a sequential scan cheapest; with it off, the index must be usable.
                try await QueueScan.preferOrderedIndex(on: connection, logger: logger)
                return try await TestEnvironment.plan(of: CaseDesk.surveyAreasQuery(level: 1), on: connection)
            }
            #expect(plan.contains("cases_rated_lineage"), "plan:\n\(plan)")
            #expect(!plan.contains("Seq Scan"), "plan:\n\(plan)")
        }
    }
}
