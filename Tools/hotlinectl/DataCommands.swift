import ArgumentParser
import Foundation
import HotlineOperations
import HotlinePrivacy
import HotlineRuntime
import PostgresNIO

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Each service's outbox: rows committed but not yet published, and the oldest one's age.")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let rows = try await withDatabase { client, logger -> [(String, Int, Double)] in
            var result: [(String, Int, Double)] = []
            for schema in ["intake", "routing", "accountability", "notification", "warehouse"] {
                let table = "\(schema).outbox"
                let exists = try await client.query("SELECT 1 WHERE to_regclass(\(table)) IS NOT NULL", logger: logger).collect()
                guard !exists.isEmpty else { continue }
                for try await (count, age) in try await client.query("""
                    SELECT count(*)::int, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
                    FROM \(unescaped: schema).outbox WHERE published_at IS NULL
                    """, logger: logger).decode((Int, Double).self) {
                    result.append((schema, count, age))
                }
            }
            return result
        }
        let lines = rows.map { "\($0.0.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.1) unpublished, oldest \(Int($0.2)) s" }
        try emit(options.json, text: lines.joined(separator: "\n"), object: ["outbox": rows.map {
            ["service": $0.0, "unpublished": $0.1, "oldest_seconds": $0.2] as [String: Any]
        }])
    }
}

struct Retention: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the PII retention policy.", subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Destroy the encrypted phone numbers of cases closed more than N days ago.",
            discussion: """
                Cases, their audit chains, pseudonymous rows and warehouse facts are kept; only the AES-GCM
                ciphertexts (the data that could be turned back into a phone number) are erased, in intake,
                accountability and notification, in one transaction. Schedule it daily (cron or a Kubernetes CronJob).
                """)
        @OptionGroup var options: GlobalOptions
        @Option(help: "Days after a case closes (HOTLINE_PII_RETENTION_DAYS, default 90).") var days: Int?
        @Flag(help: "Count only; destroy nothing.") var dryRun = false

        func run() async throws {
            let reader = try EnvironmentReader()
            let retentionDays = days ?? Int(reader.string("HOTLINE_PII_RETENTION_DAYS", default: "90")) ?? 90
            guard retentionDays >= 0 else { throw ValidationError("days must not be negative") }
            let cutoff = Date().addingTimeInterval(-Double(retentionDays) * 86_400)
            let outcome = try await withDatabase { client, logger in
                try await PIIRetention(postgres: client, logger: logger).run(closedBefore: cutoff, dryRun: dryRun)
            }
            try emit(options.json, text: """
                \(dryRun ? "would destroy" : "destroyed") sealed numbers of \(outcome.cases) cases closed over \(retentionDays) days ago \
                (\(outcome.reports) reports, \(outcome.notifications) notifications)
                """, object: ["dry_run": dryRun, "days": retentionDays, "cases": outcome.cases, "reports": outcome.reports,
                              "notifications": outcome.notifications])
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "PII key management.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every stored phone number under HOTLINE_PII_ACTIVE_KEY_ID.",
            discussion: """
                Add the new key to HOTLINE_PII_ENCRYPTION_KEYS (keep the old ones), set HOTLINE_PII_ACTIVE_KEY_ID to it,
                roll the services, then run this. Rows already under the active key are skipped, so it can be re-run.
                When it reports zero failures, the old key can be removed from the ring.
                """)
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            var reader = try EnvironmentReader()
            let keyring = PIIKeyring.fromEnvironment(&reader)
            try reader.validate()
            let outcome = try await withDatabase { client, logger in
                try await KeyRotation(postgres: client, protector: PIIProtector(keyring: keyring), logger: logger).run()
            }
            let lines = outcome.resealed.keys.sorted().map { "\($0): \(outcome.resealed[$0]!) re-encrypted" }
                + ["active key: \(keyring.activeKeyID); failures: \(outcome.failures)"]
            try emit(options.json, text: lines.joined(separator: "\n"), object: [
                "active_key_id": keyring.activeKeyID, "resealed": outcome.resealed, "failures": outcome.failures,
            ])
            if outcome.failures > 0 { throw ExitCode(1) }
        }
    }
}
