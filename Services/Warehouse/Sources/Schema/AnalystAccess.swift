import HotlineStorage
import Logging
import PostgresNIO

/// The `hotline_analyst` role: reads the `warehouse` schema and nothing else.
///
/// The warehouse migration creates it (NOLOGIN) when the service's database user may create
/// roles, and grants it SELECT on every table and view of the schema, present and future. On a
/// managed database whose service user cannot create roles, an administrator runs
/// `hotlinectl warehouse grant`, which does the same and can give the role a password to log in.
/// No other schema grants it anything: PostgreSQL gives a new role no access to schemas it does
/// not own, and the warehouse tests check that it cannot read any operational schema.
public enum AnalystAccess {
    /// A DO block: creates the role when allowed (serialised cluster-wide, since roles are
    /// cluster objects), then grants read access to `schema` if the role exists.
    static func grantStatement(schema: DatabaseSchema, createRole: Bool) -> String {
        let role = AnalystRole.name
        let create = createRole ? """
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN
                    IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
                        CREATE ROLE \(role) NOLOGIN NOINHERIT;
                    ELSE
                        RAISE NOTICE 'role \(role) not created: % may not create roles; run hotlinectl warehouse grant', current_user;
                    END IF;
                END IF;
            """ : ""
        return """
            DO $$
            BEGIN
                PERFORM pg_advisory_xact_lock(hashtext('hotline.role.\(role)'));
            \(create)
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN
                    GRANT USAGE ON SCHEMA \(schema.name) TO \(role);
                    GRANT SELECT ON ALL TABLES IN SCHEMA \(schema.name) TO \(role);
                    ALTER DEFAULT PRIVILEGES IN SCHEMA \(schema.name) GRANT SELECT ON TABLES TO \(role);
                END IF;
            END
            $$
            """
    }

    /// `hotlinectl warehouse grant`: creates the role if needed, grants it the warehouse, and
    /// optionally lets it log in with `password`. Needs a user that may create roles.
    public static func grant(schema: DatabaseSchema = .warehouse, password: String?, client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('hotline.role.hotline_analyst'))", logger: logger)
            var exists = false
            for try await _ in try await connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(AnalystRole.name)", logger: logger) {
                exists = true
            }
            if !exists {
                try await connection.query("CREATE ROLE hotline_analyst NOLOGIN NOINHERIT", logger: logger)
            }
            try await connection.query(PostgresQuery(unsafeSQL: grantStatement(schema: schema, createRole: false)), logger: logger)
            if let password {
                // Utility statements take no bind parameters: the server quotes the password
                // itself (format %L) in a function that exists for this transaction only.
                try await connection.query("""
                    CREATE FUNCTION pg_temp.hotline_analyst_login(password text) RETURNS void LANGUAGE plpgsql AS $$
                    BEGIN
                        EXECUTE format('ALTER ROLE hotline_analyst LOGIN PASSWORD %L', password);
                    END
                    $$
                    """, logger: logger)
                try await connection.query("SELECT pg_temp.hotline_analyst_login(\(password))", logger: logger)
            }
        }
    }
}
