import Foundation
import HotlineKafka
import HotlineRuntime
import Testing

@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test("development mode runs on local defaults")
    func developmentDefaults() throws {
        var reader = try EnvironmentReader([:])
        let configuration = ServiceConfiguration.fromEnvironment(serviceName: "intake", defaultHTTPPort: 8080, reader: &reader)
        try reader.validate()
        #expect(configuration.mode == .development)
        #expect(configuration.httpPort == 8080)
        #expect(configuration.database.password == "hotline")
        #expect(configuration.kafka.bootstrapServers == "127.0.0.1:59092")
        #expect(configuration.logFormat == .text)
    }

    @Test("a time zone setting is an IANA name; anything else is reported, and the default kept")
    func timeZones() throws {
        let bamako = try #require(TimeZone(identifier: "Africa/Bamako"))
        var reader = try EnvironmentReader(["HOTLINE_A_ZONE": "Africa/Niamey", "HOTLINE_B_ZONE": "Niamey"])
        #expect(reader.timeZone("HOTLINE_A_ZONE", default: bamako).identifier == "Africa/Niamey")
        #expect(reader.timeZone("HOTLINE_UNSET_ZONE", default: bamako) == bamako)
        #expect(reader.timeZone("HOTLINE_B_ZONE", default: bamako) == bamako)
        let error = try #require(throws: ConfigurationError.self) { try reader.validate() }
        #expect(error.problems == ["HOTLINE_B_ZONE Niamey is not an IANA time zone"])
    }

    @Test("production mode refuses to start without its secrets, and says which")
    func productionNeedsSecrets() throws {
        var reader = try EnvironmentReader(["HOTLINE_MODE": "production"])
        let configuration = ServiceConfiguration.fromEnvironment(serviceName: "intake", defaultHTTPPort: 8080, reader: &reader)
        #expect(configuration.database.password == nil, "no production default for a secret")
        let error = try #require(throws: ConfigurationError.self) { try reader.validate() }
        #expect(error.problems.contains { $0.contains("HOTLINE_DB_PASSWORD") })
    }

    @Test("production mode with its secrets starts, logging JSON")
    func productionWithSecrets() throws {
        var reader = try EnvironmentReader(["HOTLINE_MODE": "production", "HOTLINE_DB_PASSWORD": "s3cret", "HOTLINE_HTTP_PORT": "9000"])
        let configuration = ServiceConfiguration.fromEnvironment(serviceName: "routing", defaultHTTPPort: 8081, reader: &reader)
        try reader.validate()
        #expect(configuration.database.password == "s3cret")
        #expect(configuration.httpPort == 9000)
        #expect(configuration.logFormat == .json)
    }

    @Test("consumers' empty-fetch wait: 20 ms for the local broker, settable for Apache Kafka, bounded")
    func fetchWait() throws {
        var local = try EnvironmentReader([:])
        let defaults = ServiceConfiguration.fromEnvironment(serviceName: "routing", defaultHTTPPort: 8081, reader: &local)
        #expect(defaults.consumerConfiguration(groupID: "g", topics: ["t"]).fetchWaitMaxMilliseconds == 20)

        var kafka = try EnvironmentReader(["HOTLINE_KAFKA_FETCH_WAIT_MS": "500"])
        let configured = ServiceConfiguration.fromEnvironment(serviceName: "routing", defaultHTTPPort: 8081, reader: &kafka)
        try kafka.validate()
        #expect(configured.consumerConfiguration(groupID: "g", topics: ["t"]).fetchWaitMaxMilliseconds == 500)

        var zero = try EnvironmentReader(["HOTLINE_KAFKA_FETCH_WAIT_MS": "0"])
        _ = ServiceConfiguration.fromEnvironment(serviceName: "routing", defaultHTTPPort: 8081, reader: &zero)
        let error = try #require(throws: ConfigurationError.self) { try zero.validate() }
        #expect(error.problems.contains { $0.contains("HOTLINE_KAFKA_FETCH_WAIT_MS") })
    }

    @Test("librdkafka properties pass through HOTLINE_KAFKA_PROPERTIES; a malformed list is reported")
    func kafkaProperties() throws {
        var reader = try EnvironmentReader(["HOTLINE_KAFKA_PROPERTIES": "fetch.wait.max.ms=50, linger.ms = 1"])
        let configuration = ServiceConfiguration.fromEnvironment(serviceName: "routing", defaultHTTPPort: 8081, reader: &reader)
        try reader.validate()
        #expect(configuration.kafka.additionalProperties == ["fetch.wait.max.ms": "50", "linger.ms": "1"])

        var malformed = try EnvironmentReader(["HOTLINE_KAFKA_PROPERTIES": "fetch.wait.max.ms"])
        _ = ServiceConfiguration.fromEnvironment(serviceName: "routing", defaultHTTPPort: 8081, reader: &malformed)
        let error = try #require(throws: ConfigurationError.self) { try malformed.validate() }
        #expect(error.problems.contains { $0.contains("HOTLINE_KAFKA_PROPERTIES") })
    }

    @Test("malformed values are reported together rather than ignored")
    func malformedValues() throws {
        var reader = try EnvironmentReader(["HOTLINE_DB_PORT": "five", "HOTLINE_DB_TLS": "maybe", "HOTLINE_LOG_LEVEL": "loud"])
        _ = ServiceConfiguration.fromEnvironment(serviceName: "intake", defaultHTTPPort: 8080, reader: &reader)
        let error = try #require(throws: ConfigurationError.self) { try reader.validate() }
        #expect(error.problems.count == 3)
        #expect(throws: ConfigurationError.self) { try EnvironmentReader(["HOTLINE_MODE": "staging"]) }
    }

    @Test("every contract topic is provisioned with its dead-letter topic")
    func topics() throws {
        var reader = try EnvironmentReader(["HOTLINE_KAFKA_TOPIC_PARTITIONS": "12"])
        let configuration = ServiceConfiguration.fromEnvironment(serviceName: "intake", defaultHTTPPort: 8080, reader: &reader)
        let names = configuration.topicSpecifications.map(\.name)
        #expect(names.contains("hotline.cases.routed") && names.contains("hotline.cases.routed.dlq"))
        #expect(configuration.topicSpecifications.first { $0.name == "hotline.reports.received" }?.partitions == 12)
    }
}
