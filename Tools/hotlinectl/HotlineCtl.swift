import ArgumentParser
import Foundation
import HotlinePrivacy
import HotlineReference
import HotlineRuntime
import HotlineStorage
import Logging
import PostgresNIO

@main
struct HotlineCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotlinectl",
        abstract: "Operate a hotline deployment: reference data, API keys, migrations, cases and their audit trail.",
        discussion: "Reads the same HOTLINE_* environment variables as the services (see the README).",
        subcommands: [Migrate.self, Seed.self, APIKey.self, Topics.self, OutboxCommand.self, DeadLetters.self, Audit.self, CaseCommand.self, Retention.self, Keys.self, SMSCommand.self, Simulate.self, WarehouseCommand.self])
}

struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false
}

/// Opens a database pool from the environment for the duration of `body`.
func withDatabase<T: Sendable>(_ body: @Sendable (PostgresClient, Logger) async throws -> T) async throws -> T {
    var reader = try EnvironmentReader()
    let configuration = ServiceConfiguration.fromEnvironment(serviceName: "ctl", defaultHTTPPort: 8099, reader: &reader)
    try reader.validate()
    var logger = Logger(label: "hotlinectl")
    logger.logLevel = .warning
    // The pool's own chatter (e.g. leasing before run() has started) is not for operators.
    var poolLogger = logger
    poolLogger.logLevel = .error
    let client = try configuration.database.makeClient(logger: poolLogger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await client.run()
            return nil
        }
        defer { group.cancelAll() }
        let result = try await body(client, logger)
        return result
    }
}

func emit(_ json: Bool, text: String, object: [String: Any]) throws {
    if json {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    } else {
        print(text)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the shared schemas' migrations (reference data, API keys).")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await withDatabase { client, logger in
            try await ReferenceStore(postgres: client).migrate(logger: logger)
            try await AccessStore(postgres: client).migrate(logger: logger)
        }
        try emit(options.json, text: "migrations applied: reference, access", object: ["migrated": ["reference", "access"]])
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate and load the reference data files. Nothing is loaded unless every file is valid.",
        discussion: """
            Reads gazetteer.csv, targets.csv, members.csv, routing-rules.csv, keywords.csv and templates.csv from the directory.
            Members' phone numbers are sealed with the PII keys before anything is stored.
            """)
    @OptionGroup var options: GlobalOptions

    @Option(help: "Folder holding the reference files.")
    var directory: String = "reference"

    @Flag(help: "Validate only; write nothing.")
    var dryRun = false

    func run() async throws {
        var reader = try EnvironmentReader()
        let keyring = PIIKeyring.fromEnvironment(&reader)
        let countryCode = reader.string("HOTLINE_DEFAULT_COUNTRY_CODE", default: "223")
        let defaultLanguage = reader.string("HOTLINE_DEFAULT_LANGUAGE", default: "fr")
        try reader.validate()
        let set: ReferenceSet
        do {
            set = try ReferenceSet.load(directory: directory, protector: PIIProtector(keyring: keyring), defaultCountryCode: countryCode,
                                        defaultLanguage: defaultLanguage)
        } catch let error as ReferenceDataError {
            throw ValidationError("rejected, nothing loaded: \(error)")
        }
        if !dryRun {
            try await withDatabase { client, logger in
                let store = ReferenceStore(postgres: client)
                try await store.migrate(logger: logger)
                try await store.replaceAll(set, logger: logger)
            }
        }
        let counts = Dictionary(grouping: set.gazetteer.places, by: \.level).mapValues(\.count)
        let places = PlaceLevel.allCases.compactMap { level in counts[level].map { "\($0) \(level.rawValue)" } }.joined(separator: ", ")
        let summary = """
            \(dryRun ? "valid" : "loaded"): gazetteer \(set.gazetteerVersion) (\(places)); \(set.targets.count) targets; \
            \(set.members.count) members (numbers sealed); \(set.rules.count) rules; \(set.keywords.count) keywords; \
            \(set.templates?.texts.count ?? 0) SMS templates
            """
        try emit(options.json, text: summary, object: [
            "loaded": !dryRun, "gazetteer_version": set.gazetteerVersion, "places": set.gazetteer.places.count,
            "targets": set.targets.count, "members": set.members.count, "rules": set.rules.count, "keywords": set.keywords.count,
            "templates": set.templates?.texts.count ?? 0,
        ])
    }
}

struct APIKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Manage API keys (stored hashed).", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it once.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "operator, coordinator or admin.") var role: String
        @Option(help: "Who holds the key, e.g. \"Mopti call centre\".") var label: String
        @Option(parsing: .upToNextOption, help: "Place codes the key is limited to (coordinators).") var scope: [String] = []
        @Option(help: "For a protected partner's key: the target whose restricted (GBV) cases it may see.") var target: String?
        @Option(help: "Use this exact key (development mode only).") var key: String?

        func run() async throws {
            guard let parsedRole = AccessRole(rawValue: role) else {
                throw ValidationError("role must be one of \(AccessRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if key != nil, try EnvironmentReader().mode == .production {
                throw ValidationError("--key is refused in production mode; let hotlinectl generate the key")
            }
            let created = try await withDatabase { client, logger in
                let store = AccessStore(postgres: client)
                try await store.migrate(logger: logger)
                return try await store.createKey(role: parsedRole, label: label, scope: scope, target: target, explicitKey: key, logger: logger)
            }
            try emit(options.json, text: "key \(created.keyID) (\(parsedRole.rawValue)): \(created.key)\nstore it now; it is not shown again",
                     object: ["key_id": created.keyID, "role": parsedRole.rawValue, "key": created.key])
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never the keys themselves).")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let keys = try await withDatabase { client, logger in
                let store = AccessStore(postgres: client)
                try await store.migrate(logger: logger)
                return try await store.list(logger: logger)
            }
            let lines = keys.map { "\($0.0.keyID)  \($0.0.role.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))  \($0.revoked ? "revoked" : "active ")  \($0.0.label)  \($0.0.scope.joined(separator: ","))" }
            try emit(options.json, text: lines.isEmpty ? "no keys" : lines.joined(separator: "\n"), object: ["keys": keys.map {
                ["key_id": $0.0.keyID, "role": $0.0.role.rawValue, "label": $0.0.label, "scope": $0.0.scope, "revoked": $0.revoked] as [String: Any]
            }])
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id.")
        @OptionGroup var options: GlobalOptions
        @Argument var keyID: String

        func run() async throws {
            let revoked = try await withDatabase { client, logger in
                try await AccessStore(postgres: client).revoke(keyID: keyID, logger: logger)
            }
            guard revoked else { throw ValidationError("no active key \(keyID)") }
            try emit(options.json, text: "revoked \(keyID)", object: ["key_id": keyID, "revoked": true])
        }
    }
}
