import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import Logging
import PostgresNIO

/// Re-encrypts every stored number under the keyring's active key id, table by table, in small
/// transactions; rows already under the active key are left alone, so a stopped run can be resumed.
package struct KeyRotation: Sendable {
    /// Where sealed numbers rest. Constant identifiers, interpolated unescaped; values travel as binds.
    struct SealedColumns: Sendable {
        var table: String
        var id: String
        var keyID: String
        var ciphertext: String
    }

    static let locations = [
        SealedColumns(table: "intake.reports", id: "report_id::text", keyID: "reporter_key_id", ciphertext: "reporter_ciphertext"),
        SealedColumns(table: "accountability.cases", id: "case_id::text", keyID: "reporter_key_id", ciphertext: "reporter_ciphertext"),
        SealedColumns(table: "notification.notifications", id: "notification_id", keyID: "recipient_key_id", ciphertext: "recipient_ciphertext"),
    ]

    package struct Outcome: Sendable {
        package var resealed: [String: Int] = [:]
        package var failures = 0
    }

    let postgres: PostgresClient
    let protector: PIIProtector
    let logger: Logger

    package init(postgres: PostgresClient, protector: PIIProtector, logger: Logger) {
        self.postgres = postgres
        self.protector = protector
        self.logger = logger
    }

    package func run(batchSize: Int = 500) async throws -> Outcome {
        var outcome = Outcome()
        let active = protector.keyring.activeKeyID
        for location in Self.locations {
            guard try await tableExists(location.table) else { continue }
            var done = 0
            var skip: Set<String> = []
            while true {
                let batch = try await postgres.inTransaction(logger: logger) { connection -> (resealed: Int, failed: [String], seen: Int) in
                    let rows = try await connection.query("""
                        SELECT \(unescaped: location.id), \(unescaped: location.keyID), \(unescaped: location.ciphertext)
                        FROM \(unescaped: location.table)
                        WHERE \(unescaped: location.keyID) IS NOT NULL AND \(unescaped: location.keyID) <> \(active)
                          AND \(unescaped: location.keyID) <> \(PIIRetention.destroyedKeyID)
                          AND NOT (\(unescaped: location.id) = ANY(\(Array(skip))))
                        LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                        """, logger: logger)
                    var (resealed, failed, seen) = (0, [String](), 0)
                    for try await (id, keyID, ciphertext) in rows.decode((String, String, String).self) {
                        seen += 1
                        guard let fresh = try? protector.reseal(SealedPhone(keyID: keyID, ciphertext: ciphertext)) else {
                            failed.append(id)
                            continue
                        }
                        try await connection.query("""
                            UPDATE \(unescaped: location.table) SET \(unescaped: location.keyID) = \(fresh.keyID),
                                \(unescaped: location.ciphertext) = \(fresh.ciphertext)
                            WHERE \(unescaped: location.id) = \(id)
                            """, logger: logger)
                        resealed += 1
                    }
                    return (resealed, failed, seen)
                }
                done += batch.resealed
                skip.formUnion(batch.failed)
                outcome.failures += batch.failed.count
                if batch.seen < batchSize { break }
            }
            outcome.resealed[location.table] = done
        }
        outcome.resealed["reference.members"] = try await resealMembers()
        return outcome
    }

    /// Members live in the stored members dataset (one CSV text); re-render it under the active key.
    private func resealMembers() async throws -> Int {
        guard try await tableExists("reference.datasets") else { return 0 }
        return try await postgres.inTransaction(logger: logger) { connection -> Int in
            let rows = try await connection.query(
                "SELECT content FROM reference.datasets WHERE name = 'members' FOR UPDATE", logger: logger)
            var content: String?
            for try await text in rows.decode(String.self) { content = text }
            guard let content else { return 0 }
            var members = try TargetFiles.parseStoredMembers(content)
            var changed = 0
            for index in members.indices where members[index].contact.sealed.keyID != protector.keyring.activeKeyID {
                members[index].contact.sealed = try protector.reseal(members[index].contact.sealed)
                changed += 1
            }
            guard changed > 0 else { return 0 }
            try await connection.query("""
                UPDATE reference.datasets SET content = \(TargetFiles.renderStoredMembers(members)) WHERE name = 'members'
                """, logger: logger)
            return changed
        }
    }

    private func tableExists(_ table: String) async throws -> Bool {
        try await count(postgres.query("SELECT 1 WHERE to_regclass(\(table)) IS NOT NULL", logger: logger)) > 0
    }
}
