import Foundation
import HotlineKafka
import HotlineTestSupport
import Testing

/// The operators' view of Kafka: offsets, group lag and the dead-letter review cursor.
@Suite("Kafka administration")
struct KafkaAdminTests {
    @Test("offsets and lag follow what was produced and committed; dead letters are listed until reviewed")
    func offsetsLagAndDeadLetters() async throws {
        let logger = TestEnvironment.logger
        let topic = TestEnvironment.uniqueName("test.admin")
        let deadLetters = "\(topic).dlq"
        let review = TestEnvironment.uniqueName("review")
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
        let admin = try KafkaAdmin(client: TestEnvironment.kafkaClient, logger: logger)
        try await withRunningServices([producer]) {
            try await producer.createTopics([TopicSpecification(name: topic, partitions: 2), TopicSpecification(name: deadLetters, partitions: 1)])
            for index in 0..<6 {
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k\(index)", value: Array("v\(index)".utf8)))
            }
            for index in 0..<3 {
                _ = try await producer.send(KafkaProducerMessage(
                    topic: deadLetters, key: "k\(index)", value: Array("bad\(index)".utf8),
                    headers: [KafkaHeader(key: "dlq.original.topic", string: topic), KafkaHeader(key: "dlq.error", string: "undecodable"),
                              KafkaHeader(key: "dlq.attempts", string: "5")]))
            }
            let offsets = try await admin.offsets(topic: topic)
            #expect(offsets.count == 2)
            #expect(offsets.reduce(0) { $0 + $1.high - $1.low } == 6)
            let lag = try await admin.lag(group: TestEnvironment.uniqueName("fresh"), topics: [topic])
            #expect(lag.reduce(0) { $0 + $1.lag } == 6, "a group that never committed is behind by everything")
            #expect(lag.allSatisfy { $0.committed == nil })

            let pending = try await admin.deadLetters(topic: deadLetters, reviewGroup: review, limit: 100)
            #expect(pending.map(\.offset) == [0, 1, 2])
            #expect(pending.allSatisfy { $0.originalTopic == topic && $0.error == "undecodable" && $0.attempts == "5" })
            try await admin.markReviewed(Array(pending.prefix(2)), topic: deadLetters, reviewGroup: review)
            #expect(try await admin.deadLetters(topic: deadLetters, reviewGroup: review, limit: 100).map(\.offset) == [2])
            try await admin.markReviewed(pending, topic: deadLetters, reviewGroup: review)
            #expect(try await admin.deadLetters(topic: deadLetters, reviewGroup: review, limit: 100).isEmpty)
        }
        await admin.shutdown()
    }
}
