import HotlineStorage
import Logging
import PostgresNIO

/// Reference data in PostgreSQL (schema `reference`), replaced as a whole by `hotlinectl seed`.
public struct ReferenceStore: Sendable {
    public static let schema = DatabaseSchema("reference")

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "places", statements: [
            """
            CREATE TABLE reference.places (
                code text PRIMARY KEY,
                parent_code text REFERENCES reference.places (code) DEFERRABLE INITIALLY DEFERRED,
                level text NOT NULL,
                name text NOT NULL,
                alternates text[] NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX places_parent ON reference.places (parent_code)",
            """
            CREATE TABLE reference.versions (
                dataset text PRIMARY KEY,
                version text NOT NULL,
                loaded_at timestamptz NOT NULL DEFAULT now()
            )
            """,
        ]),
        Migration(version: 2, name: "datasets", statements: [
            """
            CREATE TABLE reference.datasets (
                name text PRIMARY KEY,
                version text NOT NULL,
                content text NOT NULL,
                loaded_at timestamptz NOT NULL DEFAULT now()
            )
            """,
        ]),
    ]

    public let postgres: PostgresClient

    public init(postgres: PostgresClient) { self.postgres = postgres }

    public func migrate(logger: Logger) async throws {
        try await MigrationRunner(schema: Self.schema, migrations: Self.migrations).migrate(client: postgres, logger: logger)
    }

    public func loadGazetteer(logger: Logger) async throws -> Gazetteer {
        var places: [Place] = []
        let rows = try await postgres.query(
            "SELECT code, parent_code, level, name, alternates FROM reference.places", logger: logger)
        for try await (code, parent, level, name, alternates) in rows.decode((String, String?, String, String, [String]).self) {
            guard let level = PlaceLevel(rawValue: level) else { continue }
            places.append(Place(code: code, parentCode: parent, level: level, name: name, alternates: alternates))
        }
        return try Gazetteer(places: places)
    }
}
