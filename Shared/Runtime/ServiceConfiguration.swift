import Foundation
import HotlineKafka
import HotlineStorage
import Logging

/// Development runs with local defaults; production refuses to start without its secrets.
public enum DeploymentMode: String, Sendable {
    case development
    case production
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n") }
}

/// Reads settings from environment variables, collecting every problem before failing.
public struct EnvironmentReader {
    public let values: [String: String]
    public let mode: DeploymentMode
    public private(set) var problems: [String] = []

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.values = values
        let rawMode = values["HOTLINE_MODE"] ?? "development"
        guard let mode = DeploymentMode(rawValue: rawMode) else {
            throw ConfigurationError(problems: ["HOTLINE_MODE must be development or production, not \(rawMode)"])
        }
        self.mode = mode
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        values[name].flatMap { $0.isEmpty ? nil : $0 } ?? defaultValue
    }

    public mutating func int(_ name: String, default defaultValue: Int) -> Int {
        guard let raw = values[name], !raw.isEmpty else { return defaultValue }
        guard let value = Int(raw) else {
            problems.append("\(name) must be an integer, not \(raw)")
            return defaultValue
        }
        return value
    }

    /// An IANA time zone such as `Africa/Niamey`.
    public mutating func timeZone(_ name: String, default defaultValue: TimeZone) -> TimeZone {
        guard let raw = values[name], !raw.isEmpty else { return defaultValue }
        guard let zone = TimeZone(identifier: raw) else {
            problems.append("\(name) \(raw) is not an IANA time zone")
            return defaultValue
        }
        return zone
    }

    public mutating func bool(_ name: String, default defaultValue: Bool) -> Bool {
        guard let raw = values[name]?.lowercased(), !raw.isEmpty else { return defaultValue }
        switch raw {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problems.append("\(name) must be true or false, not \(raw)")
            return defaultValue
        }
    }

    /// A secret: the development default is used only in development mode.
    public mutating func secret(_ name: String, developmentDefault: String?) -> String? {
        if let value = values[name], !value.isEmpty { return value }
        if mode == .production {
            problems.append("\(name) is required in production mode")
            return nil
        }
        return developmentDefault
    }

    public mutating func report(_ problem: String) { problems.append(problem) }

    public func validate() throws {
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }
}

/// Settings every hotline service shares.
public struct ServiceConfiguration: Sendable {
    public var serviceName: String
    public var mode: DeploymentMode = .development
    public var httpHost: String = "127.0.0.1"
    public var httpPort: Int
    public var database: DatabaseConfiguration
    public var kafka: KafkaClientConfiguration
    public var topicPartitions: Int32 = 6
    public var topicReplicationFactor: Int32 = 1
    public var consumerSessionTimeoutMilliseconds: Int = 6_000
    /// Records a consumer handles between two offset commits, its partitions side by side.
    public var consumerBatchSize: Int = 256
    /// How long the broker may hold an empty fetch (``KafkaConsumerConfiguration/fetchWaitMaxMilliseconds``).
    public var consumerFetchWaitMilliseconds: Int = 20
    /// Longest a request may take before it is answered 503.
    public var requestDeadlineMilliseconds: Int = 5_000
    /// How long published outbox rows are kept for inspection; zero deletes them once acknowledged.
    public var outboxRetention: Duration = .zero
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text

    public init(serviceName: String, httpPort: Int, database: DatabaseConfiguration = DatabaseConfiguration(),
                kafka: KafkaClientConfiguration = KafkaClientConfiguration()) {
        self.serviceName = serviceName
        self.httpPort = httpPort
        self.database = database
        self.kafka = kafka
    }

    /// Reads the shared variables (see the README's table). Service-specific ones are read by each service.
    public static func fromEnvironment(
        serviceName: String, defaultHTTPPort: Int, reader: inout EnvironmentReader
    ) -> ServiceConfiguration {
        var database = DatabaseConfiguration()
        database.host = reader.string("HOTLINE_DB_HOST", default: "127.0.0.1")
        database.port = reader.int("HOTLINE_DB_PORT", default: 55432)
        database.username = reader.string("HOTLINE_DB_USER", default: "hotline")
        database.password = reader.secret("HOTLINE_DB_PASSWORD", developmentDefault: "hotline")
        database.database = reader.string("HOTLINE_DB_NAME", default: "hotline")
        database.requireTLS = reader.bool("HOTLINE_DB_TLS", default: false)
        database.maximumConnections = reader.int("HOTLINE_DB_POOL_SIZE", default: 20)

        var kafka = KafkaClientConfiguration(
            bootstrapServers: reader.string("HOTLINE_KAFKA_BROKERS", default: "127.0.0.1:59092"),
            clientID: "hotline-\(serviceName)")
        if let protocolName = reader.values["HOTLINE_KAFKA_SECURITY_PROTOCOL"], !protocolName.isEmpty {
            kafka.additionalProperties["security.protocol"] = protocolName
        }
        // librdkafka tuning without a rebuild ("fetch.wait.max.ms=50,linger.ms=1"); applied last.
        for pair in reader.string("HOTLINE_KAFKA_PROPERTIES", default: "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                reader.report("HOTLINE_KAFKA_PROPERTIES must be comma-separated name=value pairs of librdkafka properties")
                break
            }
            kafka.additionalProperties[parts[0]] = parts[1]
        }

        var configuration = ServiceConfiguration(
            serviceName: serviceName,
            httpPort: reader.int("HOTLINE_HTTP_PORT", default: defaultHTTPPort),
            database: database, kafka: kafka)
        configuration.mode = reader.mode
        configuration.httpHost = reader.string("HOTLINE_HTTP_HOST", default: "127.0.0.1")
        configuration.topicPartitions = Int32(reader.int("HOTLINE_KAFKA_TOPIC_PARTITIONS", default: 6))
        configuration.topicReplicationFactor = Int32(reader.int("HOTLINE_KAFKA_REPLICATION_FACTOR", default: 1))
        configuration.consumerSessionTimeoutMilliseconds = reader.int("HOTLINE_KAFKA_SESSION_TIMEOUT_MS", default: 6_000)
        configuration.consumerBatchSize = max(1, reader.int("HOTLINE_KAFKA_CONSUMER_BATCH", default: 256))
        // 20 suits Tansu, which answers an empty fetch only when the wait runs out; Apache Kafka
        // answers as soon as a record arrives, so there the wait only sets how often idle consumers ask.
        configuration.consumerFetchWaitMilliseconds = reader.int("HOTLINE_KAFKA_FETCH_WAIT_MS", default: 20)
        if !(1...10_000).contains(configuration.consumerFetchWaitMilliseconds) {
            reader.report("HOTLINE_KAFKA_FETCH_WAIT_MS must be between 1 and 10000")
        }
        configuration.requestDeadlineMilliseconds = reader.int("HOTLINE_REQUEST_DEADLINE_MS", default: 5_000)
        configuration.outboxRetention = .seconds(max(0, reader.int("HOTLINE_OUTBOX_RETAIN_SECONDS", default: 0)))
        let level = reader.string("HOTLINE_LOG_LEVEL", default: "info")
        if let parsed = Logger.Level(rawValue: level) { configuration.logLevel = parsed } else {
            reader.report("HOTLINE_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        let format = reader.string("HOTLINE_LOG_FORMAT", default: reader.mode == .production ? "json" : "text")
        if let parsed = LogFormat(rawValue: format) { configuration.logFormat = parsed } else {
            reader.report("HOTLINE_LOG_FORMAT must be json or text")
        }
        if !(1...65535).contains(configuration.httpPort) { reader.report("HOTLINE_HTTP_PORT out of range") }
        return configuration
    }

    public func consumerConfiguration(groupID: String, topics: [String]) -> KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(client: kafka, groupID: groupID, topics: topics)
        consumer.sessionTimeoutMilliseconds = consumerSessionTimeoutMilliseconds
        consumer.fetchWaitMaxMilliseconds = consumerFetchWaitMilliseconds
        return consumer
    }

    /// Every contract topic and its dead-letter twin, created idempotently at each start-up.
    public var topicSpecifications: [TopicSpecification] {
        TopicCatalog.all.flatMap { topic in
            [
                TopicSpecification(name: topic, partitions: topicPartitions, replicationFactor: topicReplicationFactor),
                TopicSpecification(name: topic + ".dlq", partitions: 1, replicationFactor: topicReplicationFactor),
            ]
        }
    }
}
