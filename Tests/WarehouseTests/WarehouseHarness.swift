import Foundation
import HotlineDomain
import HotlineKafka
import HotlinePrivacy
import HotlineReference
import HotlineStorage
import HotlineTestSupport
import Logging
import PostgresNIO
import WarehouseService

/// A warehouse in its own pair of schemas, with the shipped reference data loaded.
struct WarehouseHarness: Sendable {
    static let logger = TestEnvironment.logger
    static let tables = [
        "dim_date", "dim_place", "dim_category", "dim_priority", "dim_target", "dim_channel", "dim_language",
        "fact_case", "fact_case_target", "fact_case_event", "fact_rating", "fact_survey_answer", "fact_notification",
        "fact_notification_status",
    ]
    static let views = [
        "cases_weekly", "public_cases_weekly", "committee_response_times", "committee_deadlines", "security_forces_complaints",
        "committee_satisfaction", "perception_index", "sms_weekly",
    ]

    let client: PostgresClient
    let schemas: WarehouseSchemas
    var loader: WarehouseLoader { WarehouseLoader(postgres: client, schemas: schemas, logger: Self.logger) }
    var w: String { schemas.warehouse.name }

    static func uniqueSchemas() -> WarehouseSchemas {
        WarehouseSchemas(warehouse: TestEnvironment.uniqueSchema("wh"), loader: TestEnvironment.uniqueSchema("whl"))
    }

    static func with(_ schemas: WarehouseSchemas = uniqueSchemas(), _ body: @Sendable (WarehouseHarness) async throws -> Void) async throws {
        let client = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([client]) {
            let harness = WarehouseHarness(client: client, schemas: schemas)
            try await harness.prepare()
            try await body(harness)
        }
    }

    static func seedReference(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: ReferenceStore.schema, migrations: ReferenceStore.migrations).migrate(client: client, logger: logger)
        let set = try ReferenceSet.load(directory: TestEnvironment.repositoryRoot + "/reference", protector: PIIProtector(keyring: .development),
                                        defaultCountryCode: "223")
        try await ReferenceStore(postgres: client).replaceAll(set, logger: logger)
    }

    func prepare() async throws {
        try await Self.seedReference(client)
        for runner in schemas.migrationRunners {
            try await runner.migrate(client: client, logger: Self.logger)
        }
        let dimensions = ReferenceDimensions(postgres: client, schemas: schemas, logger: Self.logger)
        try await dimensions.seedStatic()
        try await dimensions.refresh()
    }

    /// Feeds records through the loader's handler in `lanes` concurrent lanes, like partitions:
    /// records with the same topic and key stay in order within their lane.
    @discardableResult
    func feed(_ records: [KafkaConsumerMessage], lanes: Int = 4) async throws -> [WarehouseLoader.Outcome: Int] {
        var byLane = Array(repeating: [KafkaConsumerMessage](), count: lanes)
        for record in records {
            var hash: UInt32 = 2_166_136_261
            for byte in Array(record.topic.utf8) + record.key { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
            byLane[Int(hash % UInt32(lanes))].append(record)
        }
        let loader = self.loader
        return try await withThrowingTaskGroup(of: [WarehouseLoader.Outcome: Int].self) { group in
            for lane in byLane {
                group.addTask {
                    var counts: [WarehouseLoader.Outcome: Int] = [:]
                    for record in lane { counts[try await loader.handle(record), default: 0] += 1 }
                    return counts
                }
            }
            var total: [WarehouseLoader.Outcome: Int] = [:]
            for try await counts in group { total.merge(counts, uniquingKeysWith: +) }
            return total
        }
    }

    /// Every row of every warehouse table, as text in a stable order.
    func snapshot() async throws -> [String: String] {
        var result: [String: String] = [:]
        for table in Self.tables {
            result[table] = try await client.query("""
                SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM \(unescaped: w).\(unescaped: table) t
                """, logger: Self.logger).collect().first!.decode(String.self)
        }
        return result
    }

    func count(_ table: String) async throws -> Int {
        try await client.query("SELECT count(*)::bigint FROM \(unescaped: w).\(unescaped: table)", logger: Self.logger)
            .collect().first!.decode(Int.self)
    }

    func rows<each T: PostgresDecodable>(_ query: PostgresQuery, as types: (repeat each T).Type) async throws -> [(repeat each T)] {
        try await client.query(query, logger: Self.logger).collect().map { try $0.decode((repeat each T).self) }
    }
}
