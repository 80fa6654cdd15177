import Logging
import PostgresNIO

/// One versioned schema change. Statements run in order inside the migration transaction.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Applies a service's migrations at start-up.
///
/// Everything happens in one transaction under an advisory lock keyed by the schema, so two
/// replicas starting together apply each migration once and never see a half-migrated schema.
public struct MigrationRunner: Sendable {
    public let schema: DatabaseSchema
    public let migrations: [Migration]

    public init(schema: DatabaseSchema, migrations: [Migration]) {
        precondition(Set(migrations.map(\.version)).count == migrations.count, "migration versions must be unique")
        self.schema = schema
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies pending migrations and returns the versions it applied.
    @discardableResult
    public func migrate(client: PostgresClient, logger: Logger) async throws -> [Int] {
        let lockName = "hotline.migrations.\(schema.name)"
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockName)))", logger: logger)
                try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema.name)", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS \(unescaped: schema.name).schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.query(
                    "SELECT version FROM \(unescaped: schema.name).schema_migrations", logger: logger
                ).decode(Int.self) {
                    applied.insert(version)
                }
                var newlyApplied: [Int] = []
                for migration in migrations where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO \(unescaped: schema.name).schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger: logger)
                    logger.info("applied migration", metadata: [
                        "schema": "\(schema.name)", "version": "\(migration.version)", "name": "\(migration.name)",
                    ])
                    newlyApplied.append(migration.version)
                }
                return newlyApplied
            }
        } catch {
            throw StorageError(code: .migrationFailed, message: "migrating schema \(schema.name)", underlying: error)
        }
    }
}

extension Migration {
    /// The outbox and inbox every service needs, created in its own schema.
    public static func messaging(schema: DatabaseSchema, version: Int = 1) -> Migration {
        let s = schema.name
        return Migration(version: version, name: "outbox and inbox", statements: [
            """
            CREATE TABLE \(s).outbox (
                id bigserial PRIMARY KEY,
                event_id text NOT NULL UNIQUE,
                topic text NOT NULL,
                message_key bytea NOT NULL,
                payload bytea NOT NULL,
                headers jsonb NOT NULL DEFAULT '{}'::jsonb,
                created_at timestamptz NOT NULL DEFAULT now(),
                published_at timestamptz
            )
            """,
            "CREATE INDEX outbox_unpublished ON \(s).outbox (id) WHERE published_at IS NULL",
            """
            CREATE TABLE \(s).inbox (
                consumer text NOT NULL,
                event_id text NOT NULL,
                processed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (consumer, event_id)
            )
            """,
        ])
    }
}
