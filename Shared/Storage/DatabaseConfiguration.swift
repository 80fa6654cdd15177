import Logging
import PostgresNIO

/// How to reach PostgreSQL. Plain values, filled from the environment by the runtime layer.
public struct DatabaseConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 5432
    public var username: String = "hotline"
    public var password: String?
    public var database: String = "hotline"
    public var requireTLS: Bool = false
    public var maximumConnections: Int = 20

    public init(host: String = "127.0.0.1", port: Int = 5432, username: String = "hotline", password: String? = nil, database: String = "hotline") {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    package func makeClient(logger: Logger) throws -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        return PostgresClient(configuration: configuration, eventLoopGroup: SpreadEventLoops.shared, backgroundLogger: logger)
    }
}

/// A schema owned by one service. The name is checked once, so it is safe to splice into SQL.
public struct DatabaseSchema: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        let isLetter: (UInt8) -> Bool = { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        precondition(
            name.utf8.first.map(isLetter) == true && name.utf8.allSatisfy { isLetter($0) || isDigit($0) } && name.utf8.count <= 63,
            "schema names are lower-case letters, digits and underscores, starting with a letter")
        self.name = name
    }

    public var description: String { name }

    public static let intake = DatabaseSchema("intake")
    public static let routing = DatabaseSchema("routing")
    public static let accountability = DatabaseSchema("accountability")
    public static let notification = DatabaseSchema("notification")
    public static let warehouse = DatabaseSchema("warehouse")
}

/// An error from the storage layer with an extensible code, in the manner of PostgresNIO's errors.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        package init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let migrationFailed = Code("migration_failed")
        public static let unavailable = Code("unavailable")
        public static let corruptRow = Code("corrupt_row")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    package init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        "StorageError(\(code): \(message)\(underlying.map { ", \(String(reflecting: $0))" } ?? ""))"
    }
}
