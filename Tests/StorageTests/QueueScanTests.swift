import HotlineStorage
import HotlineTestSupport
import PostgresNIO
import ServiceLifecycle
import Testing

/// The relay reads a batch on its ordered index even when the statistics say the outbox is empty.
@Suite("Queue scans against PostgreSQL")
struct QueueScanTests {
    let logger = TestEnvironment.logger

    @Test("a backlog the statistics have not seen is read on the outbox's ordered index, not scanned and sorted whole")
    func relayBatchUsesOrderedIndex() async throws {
        let schema = TestEnvironment.uniqueSchema("test_queue_scan")
        let client = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([client]) {
            try await MigrationRunner(schema: schema, migrations: [.messaging(schema: schema)]).migrate(client: client, logger: logger)
            // Analysed while empty, then filled: the state a burst leaves the statistics in.
            try await client.query("ANALYZE \(unescaped: schema.name).outbox", logger: logger)
            try await client.query("""
                INSERT INTO \(unescaped: schema.name).outbox (event_id, topic, message_key, payload)
                SELECT 'e' || g, 'hotline.test', '\\x6b'::bytea, convert_to(repeat('x', 300), 'UTF8') FROM generate_series(1, 3000) g
                """, logger: logger)
            let plan = try await client.withTransaction(logger: logger) { connection in
                try await QueueScan.preferOrderedIndex(on: connection, logger: logger)
                return try await TestEnvironment.plan(of: OutboxRelay.batchQuery(schema: schema.name, limit: 500), on: connection)
            }
            #expect(plan.contains("Index Scan using outbox_unpublished"), "plan:\n\(plan)")
            #expect(!plan.contains("Sort"), "the index gives the order; plan:\n\(plan)")
            #expect(!plan.contains("Bitmap"), "plan:\n\(plan)")
        }
    }
}
