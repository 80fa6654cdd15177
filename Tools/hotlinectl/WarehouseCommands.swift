import ArgumentParser
import Foundation
import HotlineStorage
import WarehouseService

struct WarehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warehouse", abstract: "The analysts' warehouse: the read-only hotline_analyst role.",
        subcommands: [Grant.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the hotline_analyst role if needed and let it read the warehouse schema, and nothing else.",
            discussion: """
                Run it as a database user that may create roles, after the warehouse service has migrated its schema. \
                With --password, the role can log in; the password is read from standard input (one line), never from \
                the command line: printf '%s\\n' "$ANALYST_PASSWORD" | hotlinectl warehouse grant --password
                """)

        @Flag(name: .long, help: "Read a password from standard input and let the role log in with it.")
        var password = false

        func run() async throws {
            var secret: String?
            if password {
                guard let line = readLine(strippingNewline: true), line.count >= 12 else {
                    throw ValidationError("give a password of at least 12 characters on standard input")
                }
                secret = line
            }
            let chosen = secret
            try await withDatabase { client, logger in
                try await AnalystAccess.grant(password: chosen, client: client, logger: logger)
            }
            print(chosen == nil ? "hotline_analyst may read schema warehouse (NOLOGIN)"
                                : "hotline_analyst may read schema warehouse and log in with the given password")
        }
    }
}
