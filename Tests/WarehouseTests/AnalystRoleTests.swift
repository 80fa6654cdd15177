import Foundation
import HotlineRuntime
import HotlineStorage
import HotlineTestSupport
import PostgresNIO
import Testing
import WarehouseService

/// The `hotline_analyst` role reads the warehouse and nothing else, checked by acting as it.
@Suite("Warehouse: analyst role")
struct AnalystRoleTests {
    @Test("hotline_analyst can SELECT every warehouse table and view, and cannot read the loader's state or any operational schema")
    func analystReadsOnlyTheWarehouse() async throws {
        try await WarehouseHarness.with(.production) { harness in
            let logger = WarehouseHarness.logger
            // Schemas that must exist for the check to mean something, whatever other tests ran first.
            try await MigrationRunner(schema: AccessStore.schema, migrations: AccessStore.migrations).migrate(client: harness.client, logger: logger)
            try await harness.client.withConnection { connection in
                let role = try await connection.query("""
                    SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = 'hotline_analyst'
                    """, logger: logger).collect().map { try $0.decode((Bool, Bool, Bool).self) }
                #expect(role.count == 1, "the warehouse migration created the role")
                #expect(role.first.map { !$0.0 && !$0.1 && !$0.2 } == true, "NOLOGIN, no superuser, no CREATEROLE")

                // Every table outside the warehouse, listed while still the owner. The other warehouse
                // tests' private warehouses (`wh_` + 8 hex digits) are warehouses too, granted by the same
                // migration; their loader schemas (`whl_…`) are checked like everything else.
                let foreign = try await connection.query("""
                    SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN ('warehouse', 'pg_catalog', 'information_schema')
                      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname !~ '^wh_[0-9a-f]{8}$'
                    ORDER BY 1, 2
                    """, logger: logger).collect().map { try $0.decode((String, String).self) }
                let schemas = Set(foreign.map(\.0))
                #expect(schemas.isSuperset(of: ["reference", "access", "warehouse_loader"]))
                let samples = Dictionary(grouping: foreign, by: \.0).mapValues { $0.map(\.1) }

                try await connection.query("BEGIN", logger: logger)
                do {
                    // The test user may be a superuser (it owns the test cluster) or a CREATEROLE user.
                    try await connection.query("GRANT hotline_analyst TO CURRENT_USER", logger: logger)
                    try await connection.query("SET LOCAL ROLE hotline_analyst", logger: logger)
                    for relation in WarehouseHarness.tables + WarehouseHarness.views {
                        try await connection.query("SAVEPOINT probe", logger: logger)
                        let allowed = try await probe(connection, "warehouse", relation)
                        #expect(allowed, "hotline_analyst cannot read warehouse.\(relation)")
                        try await connection.query("ROLLBACK TO SAVEPOINT probe", logger: logger)
                    }
                    for (schema, tables) in samples.sorted(by: { $0.key < $1.key }) {
                        for table in tables {
                            try await connection.query("SAVEPOINT probe", logger: logger)
                            let allowed = try await probe(connection, schema, table)
                            #expect(!allowed, "hotline_analyst can read \(schema).\(table)")
                            try await connection.query("ROLLBACK TO SAVEPOINT probe", logger: logger)
                        }
                    }
                    let operational = ["intake", "routing", "accountability", "notification", "reference", "access", "warehouse_loader"]
                    for schema in operational where schemas.contains(schema) {
                        let usage = try await connection.query("SELECT has_schema_privilege('hotline_analyst', \(schema), 'USAGE')", logger: logger)
                            .collect().first!.decode(Bool.self)
                        #expect(!usage, "hotline_analyst has USAGE on \(schema)")
                    }
                    // Nor can it write to the warehouse.
                    try await connection.query("SAVEPOINT probe", logger: logger)
                    var wrote = true
                    do {
                        try await connection.query("DELETE FROM warehouse.fact_case", logger: logger)
                    } catch {
                        wrote = false
                    }
                    #expect(!wrote, "hotline_analyst could delete from the warehouse")
                    try await connection.query("ROLLBACK TO SAVEPOINT probe", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
                try await connection.query("ROLLBACK", logger: logger)
            }
        }
    }

    /// True when the current role may read `schema.relation`; false on "permission denied" (42501).
    func probe(_ connection: PostgresConnection, _ schema: String, _ relation: String) async throws -> Bool {
        do {
            _ = try await connection.query("""
                SELECT 1 FROM \(unescaped: quoted(schema)).\(unescaped: quoted(relation)) LIMIT 1
                """, logger: WarehouseHarness.logger).collect()
            return true
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
            return false
        }
    }

    func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
