import Foundation
import HotlineKafka
import HotlineRuntime
import HotlineStorage
import Logging
import PostgresNIO
import ServiceLifecycle

/// Where the integration tests find the servers that `scripts/test.sh` started.
///
/// Defaults match the test command's ports; the variables let a developer point at other servers.
package enum TestEnvironment {
    package static var kafkaBrokers: String {
        ProcessInfo.processInfo.environment["HOTLINE_TEST_KAFKA_BROKERS"] ?? "127.0.0.1:29192"
    }

    package static var databaseHost: String {
        ProcessInfo.processInfo.environment["HOTLINE_TEST_DB_HOST"] ?? "127.0.0.1"
    }

    package static var databasePort: Int {
        Int(ProcessInfo.processInfo.environment["HOTLINE_TEST_DB_PORT"] ?? "") ?? 26432
    }

    package static var databaseUser: String { ProcessInfo.processInfo.environment["HOTLINE_TEST_DB_USER"] ?? "hotline" }
    package static var databasePassword: String { ProcessInfo.processInfo.environment["HOTLINE_TEST_DB_PASSWORD"] ?? "hotline" }
    package static var databaseName: String { ProcessInfo.processInfo.environment["HOTLINE_TEST_DB_NAME"] ?? "hotline" }

    package static var kafkaClient: KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: kafkaBrokers, clientID: "hotline-tests")
    }

    package static let logger: Logger = {
        var logger = Logger(label: "hotline.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["HOTLINE_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// A name no other test (or earlier run against the same broker) uses.
    package static func uniqueName(_ prefix: String) -> String {
        "\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Runs `services` in a service group for the duration of `body`, then shuts them down gracefully.
package func withRunningServices<T: Sendable>(
    _ services: [any Service],
    logger: Logger = TestEnvironment.logger,
    _ body: @Sendable () async throws -> T
) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: services, logger: logger))
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            while let next = try await tasks.next() {
                if next != nil { break }
            }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

package struct EventuallyTimeout: Error, CustomStringConvertible {
    package var description: String
}

/// Polls `condition` until it holds, failing with `message` after `timeout`.
package func eventually(
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(50),
    _ message: @autoclosure () -> String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    if try await condition() { return }
    throw EventuallyTimeout(description: "timed out after \(timeout): \(message())")
}

extension TestEnvironment {
    package static var database: DatabaseConfiguration {
        var database = DatabaseConfiguration(
            host: databaseHost, port: databasePort, username: databaseUser, password: databasePassword, database: databaseName)
        database.maximumConnections = 10
        return database
    }

    /// Service settings pointing at the test servers, on an ephemeral HTTP port.
    package static func serviceConfiguration(_ serviceName: String) -> ServiceConfiguration {
        var configuration = ServiceConfiguration(serviceName: serviceName, httpPort: 0, database: database, kafka: kafkaClient)
        configuration.topicPartitions = 3
        configuration.consumerSessionTimeoutMilliseconds = 6_000
        // Several tests read what a service published from its outbox; the relay's own tests cover
        // the default, deleting rows once acknowledged.
        configuration.outboxRetention = .seconds(3600)
        return configuration
    }

    /// A schema name that no other test uses.
    package static func uniqueSchema(_ prefix: String) -> DatabaseSchema {
        DatabaseSchema("\(prefix)_\(UUID().uuidString.prefix(8).lowercased().filter { $0.isLetter || $0.isNumber })")
    }
}

extension TestEnvironment {
    /// The repository's root, for tests that read shipped reference files.
    package static var repositoryRoot: String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }
}

extension TestEnvironment {
    /// PostgreSQL's plan for `query` on `connection`, one line per plan node, as `EXPLAIN` prints it.
    package static func plan(of query: PostgresQuery, on connection: PostgresConnection) async throws -> String {
        let explain = PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds)
        var lines: [String] = []
        for try await line in try await connection.query(explain, logger: logger).decode(String.self) { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
