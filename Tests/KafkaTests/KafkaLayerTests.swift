import Foundation
import HotlineKafka
import HotlineTestSupport
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

/// The Kafka layer against the real broker the test command starts.
@Suite("Kafka layer against the broker")
struct KafkaLayerTests {
    let logger = TestEnvironment.logger

    func makeProducer() throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestEnvironment.kafkaClient), logger: logger)
    }

    func makeConsumer(group: String, topic: String) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(client: TestEnvironment.kafkaClient, groupID: group, topics: [topic]),
            logger: logger)
    }

    func message(_ topic: String, _ index: Int) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic, key: "key-\(index % 3)", value: Array("message-\(index)".utf8),
            headers: [KafkaHeader(key: "index", string: String(index))])
    }

    @Test("idempotent producer: every send gets its own delivery report, and the topic holds each record once")
    func idempotentProduce() async throws {
        let topic = TestEnvironment.uniqueName("test.produce")
        let producer = try makeProducer()
        let count = 200
        let consumed = NIOLockedValueBox<[String]>([])
        try await withRunningServices([producer]) {
            try await producer.createTopics([TopicSpecification(name: topic, partitions: 1)])
            let reports = try await producer.sendInOrder((0..<count).map { message(topic, $0) })
            #expect(reports.count == count)
            #expect(Set(reports.map(\.offset)).count == count, "each record has its own offset")
            #expect(reports.allSatisfy { $0.topic == topic && $0.partition == 0 })

            let consumer = try makeConsumer(group: TestEnvironment.uniqueName("group"), topic: topic)
            try await withRunningServices([consumer]) {
                for try await record in consumer.messages {
                    consumed.withLockedValue { $0.append(String(decoding: record.value, as: UTF8.self)) }
                    #expect(record.header("index")?.stringValue != nil, "headers survive the round trip")
                    if consumed.withLockedValue({ $0.count }) == count { break }
                }
            }
        }
        let values = consumed.withLockedValue { $0 }
        #expect(values.count == count)
        #expect(Set(values).count == count, "no record appears twice")
        #expect(values == (0..<count).map { "message-\($0)" }, "a single partition keeps send order")
    }

    @Test("consumer group commits only what the handler finished; the next member resumes after it")
    func commitAfterSuccess() async throws {
        let topic = TestEnvironment.uniqueName("test.commit")
        let group = TestEnvironment.uniqueName("group")
        let producer = try makeProducer()
        try await withRunningServices([producer]) {
            try await producer.createTopics([TopicSpecification(name: topic, partitions: 1)])
            _ = try await producer.sendInOrder((0..<10).map { message(topic, $0) })

            // The first member handles five records and commits them, then sees a sixth that it never finishes.
            let first = try makeConsumer(group: group, topic: topic)
            try await withRunningServices([first]) {
                var handled = 0
                for try await record in first.messages {
                    if handled == 5 { break }
                    try await first.commit(record)
                    handled += 1
                }
            }

            let second = try makeConsumer(group: group, topic: topic)
            let received = try await withRunningServices([second]) {
                var values: [String] = []
                for try await record in second.messages {
                    values.append(String(decoding: record.value, as: UTF8.self))
                    try await second.commit(record)
                    if values.count == 5 { break }
                }
                return values
            }
            #expect(received == (5..<10).map { "message-\($0)" }, "uncommitted records are redelivered, committed ones are not")
        }
    }

    @Test("a poison record goes to <topic>.dlq with the error in headers, and the partition keeps moving")
    func poisonMessageGoesToDeadLetterQueue() async throws {
        let topic = TestEnvironment.uniqueName("test.poison")
        let producer = try makeProducer()
        let handled = NIOLockedValueBox<[String]>([])
        let attempts = NIOLockedValueBox(0)
        try await withRunningServices([producer]) {
            try await producer.createTopics([
                TopicSpecification(name: topic, partitions: 1), TopicSpecification(name: topic + ".dlq", partitions: 1),
            ])
            let values = ["good-1", "poison", "good-2"]
            for value in values {
                try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: Array(value.utf8)))
            }
            let consumer = try makeConsumer(group: TestEnvironment.uniqueName("group"), topic: topic)
            let worker = ConsumerWorker(
                consumer: consumer, deadLetterProducer: producer,
                retryPolicy: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10)), logger: logger
            ) { record in
                let value = String(decoding: record.value, as: UTF8.self)
                if value == "poison" {
                    attempts.withLockedValue { $0 += 1 }
                    throw RetryableFailure()
                }
                handled.withLockedValue { $0.append(value) }
            }
            let deadLetters = try makeConsumer(group: TestEnvironment.uniqueName("group"), topic: topic + ".dlq")
            try await withRunningServices([consumer, worker, deadLetters]) {
                try await eventually("both good records handled") { handled.withLockedValue { $0.count } == 2 }
                var dead: KafkaConsumerMessage?
                for try await record in deadLetters.messages {
                    dead = record
                    break
                }
                #expect(dead.map { String(decoding: $0.value, as: UTF8.self) } == "poison")
                #expect(dead?.header("dlq.original.topic")?.stringValue == topic)
                #expect(dead?.header("dlq.attempts")?.stringValue == "3")
                #expect(dead?.header("dlq.error")?.stringValue.contains("RetryableFailure") == true)
            }
        }
        #expect(handled.withLockedValue { $0 } == ["good-1", "good-2"])
        #expect(attempts.withLockedValue { $0 } == 3, "bounded retries before dead-lettering")
    }

    @Test("an infrastructure outage outlasting the retry limit never dead-letters; partitions run side by side, each in order")
    func transientFailuresAreWaitedOutAndPartitionsKeepTheirOrder() async throws {
        let topic = TestEnvironment.uniqueName("test.transient")
        let producer = try makeProducer()
        let handled = NIOLockedValueBox<[String: [Int]]>([:])
        let outageAttempts = NIOLockedValueBox(0)
        try await withRunningServices([producer]) {
            try await producer.createTopics([
                TopicSpecification(name: topic, partitions: 3), TopicSpecification(name: topic + ".dlq", partitions: 1),
            ])
            let keys = ["a", "b", "c", "d"]
            for index in 0..<40 {
                let key = keys[index % keys.count]
                try await producer.send(KafkaProducerMessage(topic: topic, key: Array(key.utf8), value: Array("\(index)".utf8)))
            }
            let consumer = try makeConsumer(group: TestEnvironment.uniqueName("group"), topic: topic)
            let worker = ConsumerWorker(
                consumer: consumer, deadLetterProducer: producer,
                retryPolicy: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)),
                maximumBatch: 16, isTransient: { $0 is DatabaseDown }, logger: logger
            ) { record in
                let value = Int(String(decoding: record.value, as: UTF8.self))!
                // The first record meets a "database" that stays down for six attempts, three times the retry limit.
                if value == 0, outageAttempts.withLockedValue({ $0 += 1; return $0 }) <= 6 { throw DatabaseDown() }
                handled.withLockedValue { $0[String(decoding: record.key, as: UTF8.self), default: []].append(value) }
            }
            try await withRunningServices([consumer, worker]) {
                try await eventually("all 40 records handled") { handled.withLockedValue { $0.values.map(\.count).reduce(0, +) } == 40 }
            }
            let admin = try KafkaAdmin(client: TestEnvironment.kafkaClient, logger: logger)
            let deadLettered = try await admin.offsets(topic: topic + ".dlq").map(\.high).reduce(0, +)
            await admin.shutdown()
            #expect(deadLettered == 0, "a record waiting out an outage must not be dead-lettered")
        }
        #expect(outageAttempts.withLockedValue { $0 } == 7)
        for (key, values) in handled.withLockedValue({ $0 }) {
            #expect(values == values.sorted(), "records of key \(key) were handled out of order: \(values)")
        }
    }

    @Test("a lane handler takes a partition's records together; a lane holding a poison record is redone one by one")
    func laneHandlerFallsBackToRecords() async throws {
        let topic = TestEnvironment.uniqueName("test.lanes")
        let producer = try makeProducer()
        let together = NIOLockedValueBox<[[String]]>([])
        let alone = NIOLockedValueBox<[String]>([])
        try await withRunningServices([producer]) {
            try await producer.createTopics([
                TopicSpecification(name: topic, partitions: 1), TopicSpecification(name: topic + ".dlq", partitions: 1),
            ])
            @Sendable func send(_ values: [String]) async throws {
                _ = try await producer.sendInOrder(values.map { KafkaProducerMessage(topic: topic, key: "k", value: Array($0.utf8)) })
            }
            // Already fetched when the worker starts: the first lane holds many records.
            try await send((0..<20).map { "\($0)" })
            let consumer = try makeConsumer(group: TestEnvironment.uniqueName("group"), topic: topic)
            let worker = ConsumerWorker(
                consumer: consumer, deadLetterProducer: producer,
                retryPolicy: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)),
                maximumBatch: 64, logger: logger,
                laneHandler: { lane in
                    let values = lane.map { String(decoding: $0.value, as: UTF8.self) }
                    if values.contains("poison") { throw PermanentHandlerError("poison in the lane") }
                    together.withLockedValue { $0.append(values) }
                    return true
                }
            ) { record in
                let value = String(decoding: record.value, as: UTF8.self)
                if value == "poison" { throw PermanentHandlerError("poison") }
                alone.withLockedValue { $0.append(value) }
            }
            try await withRunningServices([consumer, worker]) {
                try await eventually("the first 20 records handled") {
                    together.withLockedValue { $0.joined().count } + alone.withLockedValue { $0.count } == 20
                }
                #expect(together.withLockedValue { $0.contains { $0.count > 1 } }, "records already fetched are handled as a lane")
                try await send((20..<30).map { $0 == 27 ? "poison" : "\($0)" })
                try await eventually("29 records handled") {
                    together.withLockedValue { $0.joined().count } + alone.withLockedValue { $0.count } == 29
                }
            }
            let admin = try KafkaAdmin(client: TestEnvironment.kafkaClient, logger: logger)
            let deadLettered = try await admin.offsets(topic: topic + ".dlq").map(\.high).reduce(0, +)
            await admin.shutdown()
            #expect(deadLettered == 1, "only the poison record is dead-lettered")
        }
        let handled = together.withLockedValue { $0.joined() } + alone.withLockedValue { $0 }
        #expect(handled.sorted() == (0..<30).filter { $0 != 27 }.map(String.init).sorted(), "each good record handled exactly once")
    }

    @Test("a member that stops before committing loses nothing: another member gets the record again")
    func redeliveryAfterConsumerDiesBeforeCommit() async throws {
        let topic = TestEnvironment.uniqueName("test.redeliver")
        let group = TestEnvironment.uniqueName("group")
        let producer = try makeProducer()
        try await withRunningServices([producer]) {
            try await producer.createTopics([TopicSpecification(name: topic, partitions: 1)])
            try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: Array("only-once-committed".utf8)))

            let doomed = try makeConsumer(group: group, topic: topic)
            let seenByDoomed = try await withRunningServices([doomed]) {
                var iterator = doomed.messages.makeAsyncIterator()
                return try await iterator.next()
            }
            #expect(seenByDoomed != nil)

            let survivor = try makeConsumer(group: group, topic: topic)
            let seenBySurvivor = try await withRunningServices([survivor]) {
                var iterator = survivor.messages.makeAsyncIterator()
                let record = try await iterator.next()
                if let record { try await survivor.commit(record) }
                return record
            }
            #expect(seenBySurvivor?.offset == seenByDoomed?.offset, "the uncommitted record is delivered again")
        }
    }
}

struct DatabaseDown: Error {}
struct RetryableFailure: Error {}
