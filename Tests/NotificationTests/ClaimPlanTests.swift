import Foundation
import HotlineStorage
import HotlineTestSupport
@testable import NotificationService
import PostgresNIO
import Testing

extension NotificationServiceTests {
    @Test("the claim reads due messages on their index in urgency order, whatever the statistics say")
    func claimUsesDueIndex() async throws {
        let client = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([client]) {
            try await NotificationHarness.prepare(client)
            let plan = try await client.withTransaction(logger: logger) { connection in
                try await QueueScan.preferOrderedIndex(on: connection, logger: logger)
                return try await TestEnvironment.plan(
                    of: DispatchStore.claimQuery(limit: 64, claimID: UUID(), instance: "plan-test", leaseSeconds: 120, provider: "test", sender: "test"),
                    on: connection)
            }
            #expect(plan.contains("Index Scan using notifications_due"), "plan:\n\(plan)")
            #expect(!plan.contains("Bitmap"), "plan:\n\(plan)")
            #expect(!plan.contains("Seq Scan on notifications"), "plan:\n\(plan)")
        }
    }
}
