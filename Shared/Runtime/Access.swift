import Crypto
import Foundation
import HotlinePrivacy
import HotlineStorage
import Hummingbird
import Logging
import PostgresNIO

/// Who may call the HTTP APIs, and as what.
public enum AccessRole: String, Sendable, Codable, CaseIterable {
    /// Call-centre operators: submit reports.
    case `operator`
    /// Regional and national coordinators: list and act on cases in their jurisdiction.
    case coordinator
    /// Program administrators: everything.
    case admin
}

/// An authenticated API caller.
public struct Principal: Sendable, Hashable {
    public var keyID: String
    public var role: AccessRole
    /// Place codes the caller may see; empty means national scope.
    public var scope: [String]
    /// For a protected partner's key: the target whose restricted (GBV) cases it may see.
    public var target: String?
    public var label: String

    public init(keyID: String, role: AccessRole, scope: [String], target: String? = nil, label: String) {
        self.keyID = keyID
        self.role = role
        self.scope = scope
        self.target = target
        self.label = label
    }
}

/// API keys, stored only as SHA-256 hashes with a role and a jurisdiction scope (schema `access`).
public struct AccessStore: Sendable {
    public static let schema = DatabaseSchema("access")

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "api keys", statements: [
            """
            CREATE TABLE access.api_keys (
                key_id text PRIMARY KEY,
                key_hash text NOT NULL UNIQUE,
                role text NOT NULL,
                label text NOT NULL,
                scope text[] NOT NULL DEFAULT '{}',
                created_at timestamptz NOT NULL DEFAULT now(),
                revoked_at timestamptz
            )
            """,
        ]),
        Migration(version: 2, name: "partner target", statements: [
            "ALTER TABLE access.api_keys ADD COLUMN target text",
        ]),
    ]

    public let postgres: PostgresClient

    public init(postgres: PostgresClient) { self.postgres = postgres }

    public func migrate(logger: Logger) async throws {
        try await MigrationRunner(schema: Self.schema, migrations: Self.migrations).migrate(client: postgres, logger: logger)
    }

    /// Creates a key and returns it in clear, once. `explicitKey` exists for local development only.
    public func createKey(role: AccessRole, label: String, scope: [String] = [], target: String? = nil, explicitKey: String? = nil, logger: Logger) async throws -> (keyID: String, key: String) {
        let keyID = String(UUID.random().uuidString.lowercased().prefix(8))
        let key: String
        if let explicitKey {
            key = explicitKey
        } else {
            let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            key = "hk_\(keyID)_\(secret)"
        }
        try await postgres.query("""
            INSERT INTO access.api_keys (key_id, key_hash, role, label, scope, target)
            VALUES (\(keyID), \(WebhookSignature.apiKeyHash(key)), \(role.rawValue), \(label), \(scope), \(target))
            ON CONFLICT (key_hash) DO NOTHING
            """, logger: logger)
        return (keyID, key)
    }

    public func revoke(keyID: String, logger: Logger) async throws -> Bool {
        let rows = try await postgres.query(
            "UPDATE access.api_keys SET revoked_at = now() WHERE key_id = \(keyID) AND revoked_at IS NULL RETURNING 1", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func list(logger: Logger) async throws -> [(Principal, revoked: Bool)] {
        var result: [(Principal, revoked: Bool)] = []
        let rows = try await postgres.query(
            "SELECT key_id, role, label, scope, target, revoked_at IS NOT NULL FROM access.api_keys ORDER BY created_at", logger: logger)
        for try await (keyID, role, label, scope, target, revoked) in rows.decode((String, String, String, [String], String?, Bool).self) {
            guard let role = AccessRole(rawValue: role) else { continue }
            result.append((Principal(keyID: keyID, role: role, scope: scope, target: target, label: label), revoked))
        }
        return result
    }

    public func principal(forKey key: String, logger: Logger) async throws -> Principal? {
        let rows = try await postgres.query("""
            SELECT key_id, role, label, scope, target FROM access.api_keys
            WHERE key_hash = \(WebhookSignature.apiKeyHash(key)) AND revoked_at IS NULL
            """, logger: logger)
        for try await (keyID, role, label, scope, target) in rows.decode((String, String, String, [String], String?).self) {
            guard let role = AccessRole(rawValue: role) else { return nil }
            return Principal(keyID: keyID, role: role, scope: scope, target: target, label: label)
        }
        return nil
    }

    /// Reads `Authorization: Bearer <key>`; answers 401 without a valid key and 403 for the wrong role.
    public func authenticate(_ request: Request, allowing roles: Set<AccessRole>, logger: Logger) async throws -> Principal {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError(.unauthorized, code: "missing_credentials", message: "send Authorization: Bearer <api key>",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        let key = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, key.count <= 256, let principal = try await principal(forKey: key, logger: logger) else {
            throw APIError(.unauthorized, code: "invalid_credentials", message: "unknown or revoked API key",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard roles.contains(principal.role) || principal.role == .admin else {
            throw APIError(.forbidden, code: "forbidden", message: "this API key's role may not do this")
        }
        return principal
    }
}
