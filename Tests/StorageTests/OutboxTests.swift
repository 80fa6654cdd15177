import Foundation
import HotlineDomain
import HotlineKafka
import HotlineStorage
import HotlineTestSupport
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

/// Migrations and the transactional outbox against the real PostgreSQL and broker.
@Suite("Storage against PostgreSQL")
struct OutboxTests {
    let logger = TestEnvironment.logger

    struct Payload: Codable, Sendable, Equatable { var sequence: Int }

    func migrations(_ schema: DatabaseSchema) -> [Migration] {
        [
            .messaging(schema: schema, version: 1),
            Migration(version: 2, name: "items", statements: ["CREATE TABLE \(schema.name).items (id int PRIMARY KEY)"]),
        ]
    }

    @Test("two replicas migrating at once apply each migration exactly once")
    func concurrentMigrations() async throws {
        let schema = TestEnvironment.uniqueSchema("test_migrate")
        let client = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([client]) {
            let runner = MigrationRunner(schema: schema, migrations: migrations(schema))
            async let first = runner.migrate(client: client, logger: logger)
            async let second = runner.migrate(client: client, logger: logger)
            let applied = try await [first, second]
            #expect(applied.flatMap { $0 }.sorted() == [1, 2], "each version applied by exactly one replica")
            #expect(try await runner.migrate(client: client, logger: logger).isEmpty, "a restart applies nothing")
            let rows = try await client.query("SELECT count(*) FROM \(unescaped: schema.name).schema_migrations", logger: logger)
            for try await count in rows.decode(Int.self) { #expect(count == 2) }
        }
    }

    @Test("a rolled-back transaction publishes nothing; committed events are published in commit order")
    func outboxPublishesOnlyCommittedInOrder() async throws {
        let schema = TestEnvironment.uniqueSchema("test_outbox")
        let topic = TestEnvironment.uniqueName("test.outbox")
        let client = try TestEnvironment.database.makeClient(logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
        let outbox = Outbox(schema: schema)
        try await withRunningServices([client, producer]) {
            try await MigrationRunner(schema: schema, migrations: migrations(schema)).migrate(client: client, logger: logger)
            try await producer.createTopics([TopicSpecification(name: topic, partitions: 1)])

            for sequence in 0..<20 {
                let event = try OutboxEvent.envelope(topic: topic, key: "case-1", source: "/test", type: "test.v1", data: Payload(sequence: sequence))
                if sequence % 5 == 4 {
                    // Every fifth write fails after enqueueing: its event must never be published.
                    await #expect(throws: (any Error).self) {
                        try await client.withTransaction(logger: logger) { connection in
                            try await outbox.enqueue(event, on: connection, logger: logger)
                            try await connection.query("INSERT INTO \(unescaped: schema.name).items VALUES (\(-1)), (\(-1))", logger: logger)
                        }
                    }
                } else {
                    try await client.withTransaction(logger: logger) { connection in
                        try await outbox.enqueue(event, on: connection, logger: logger)
                        try await connection.query("INSERT INTO \(unescaped: schema.name).items VALUES (\(sequence))", logger: logger)
                    }
                }
            }
            #expect(try await outbox.backlog(client: client, logger: logger) == 16)

            let relay = OutboxRelay(outbox: outbox, client: client, producer: producer, logger: logger)
            let consumer = try KafkaConsumer(
                configuration: .init(client: TestEnvironment.kafkaClient, groupID: TestEnvironment.uniqueName("group"), topics: [topic]),
                logger: logger)
            let published = try await withRunningServices([relay, consumer]) {
                var sequences: [Int] = []
                for try await record in consumer.messages {
                    let envelope = try EventCoding.decode(Payload.self, from: record.value)
                    sequences.append(envelope.data.sequence)
                    // The headers travel as the outbox stored them (the relay has the server take their JSON apart).
                    #expect(record.headers == [KafkaHeader(key: "ce_id", string: envelope.id), KafkaHeader(key: "ce_type", string: "test.v1")])
                    if sequences.count == 16 { break }
                }
                try await eventually("relay marks all rows sent") {
                    try await outbox.backlog(client: client, logger: logger) == 0
                }
                return sequences
            }
            #expect(published == (0..<20).filter { $0 % 5 != 4 }, "committed events only, in commit order")
            #expect(try await rowCount(schema, client: client, publishedOnly: false) == 0, "by default an acknowledged row is deleted, not kept")
        }
    }

    private func rowCount(_ schema: DatabaseSchema, client: PostgresClient, publishedOnly: Bool) async throws -> Int {
        let filter = publishedOnly ? "published_at IS NOT NULL" : "true"
        let rows = try await client.query("SELECT count(*) FROM \(unescaped: schema.name).outbox WHERE \(unescaped: filter)", logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return -1
    }

    @Test("with the broker unreachable, writes still commit; the backlog drains once a broker answers")
    func backlogDrainsWhenBrokerReturns() async throws {
        let schema = TestEnvironment.uniqueSchema("test_backlog")
        let topic = TestEnvironment.uniqueName("test.backlog")
        let client = try TestEnvironment.database.makeClient(logger: logger)
        let outbox = Outbox(schema: schema)
        var unreachable = KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: "127.0.0.1:1", clientID: "down"))
        unreachable.messageTimeoutMilliseconds = 1_500
        let downProducer = try KafkaProducer(configuration: unreachable, logger: Logger(label: "silenced"))
        let quiet: Logger = {
            var logger = Logger(label: "relay")
            logger.logLevel = .critical
            return logger
        }()
        try await withRunningServices([client]) {
            try await MigrationRunner(schema: schema, migrations: migrations(schema)).migrate(client: client, logger: logger)
            let stuckRelay = OutboxRelay(outbox: outbox, client: client, producer: downProducer, logger: quiet)
            try await withRunningServices([downProducer, stuckRelay]) {
                for sequence in 0..<10 {
                    try await client.withTransaction(logger: logger) { connection in
                        try await outbox.enqueue(
                            try .envelope(topic: topic, key: "k", source: "/test", type: "test.v1", data: Payload(sequence: sequence)),
                            on: connection, logger: logger)
                    }
                }
                // Let the relay fail at least once against the dead broker.
                try await eventually("the relay tried and failed") { try await outbox.backlog(client: client, logger: logger) == 10 }
                try await Task.sleep(for: .seconds(2))
                #expect(try await outbox.backlog(client: client, logger: logger) == 10, "nothing is marked sent without an acknowledgement")
            }
            let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
            var retaining = OutboxRelayConfiguration()
            retaining.retainPublished = .seconds(3600)
            let relay = OutboxRelay(outbox: outbox, client: client, producer: producer, configuration: retaining, logger: logger)
            try await withRunningServices([producer]) {
                try await producer.createTopics([TopicSpecification(name: topic, partitions: 1)])
                try await withRunningServices([relay]) {
                    try await eventually("backlog drained") { try await outbox.backlog(client: client, logger: logger) == 0 }
                }
            }
            #expect(try await rowCount(schema, client: client, publishedOnly: true) == 10, "with a retention, published rows are kept, marked")
        }
    }

    @Test("the inbox admits an event once per consumer")
    func inboxDeduplicates() async throws {
        let schema = TestEnvironment.uniqueSchema("test_inbox")
        let client = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([client]) {
            try await MigrationRunner(schema: schema, migrations: migrations(schema)).migrate(client: client, logger: logger)
            let inbox = Inbox(schema: schema, consumer: "c1")
            let other = Inbox(schema: schema, consumer: "c2")
            let results = try await client.withConnection { connection in
                [
                    try await inbox.markProcessed(eventID: "e1", on: connection, logger: logger),
                    try await inbox.markProcessed(eventID: "e1", on: connection, logger: logger),
                    try await other.markProcessed(eventID: "e1", on: connection, logger: logger),
                ]
            }
            #expect(results == [true, false, true])
        }
    }
}

/// The outbox's headers column, written by hand rather than by a `JSONEncoder` per row.
@Suite("Outbox headers JSON")
struct OutboxHeadersJSONTests {
    @Test("any strings round-trip through a JSON decoder, keys sorted", arguments: [
        [:], ["ce_type": "org.hotline.report.received.v1", "ce_id": "0b4c"],
        ["quote\"": "back\\slash", "ctl": "\u{1}\u{1F}\n\r\t", "é": "ߒߞߏ 🚨", "": ""],
    ])
    func roundTrip(headers: [String: String]) throws {
        let json = OutboxEvent.headersJSON(headers)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(json.utf8)) == headers)
    }

    @Test("keys come sorted, so equal headers are equal text")
    func sorted() {
        #expect(OutboxEvent.headersJSON(["ce_type": "t", "ce_id": "i", "a\"": "\\"]) == #"{"a\"":"\\","ce_id":"i","ce_type":"t"}"#)
    }
}
