import Foundation
import Logging
import NIOPosix

/// Read-mostly administration for operators: topics, offsets, consumer-group lag, and the review
/// of dead-letter topics. Every librdkafka call runs on its own thread, off the cooperative pool.
public final class KafkaAdmin: Sendable {
    public struct PartitionOffsets: Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var low: Int64
        public var high: Int64
    }

    public struct GroupLag: Sendable, Equatable {
        public var group: String
        public var topic: String
        public var partition: Int32
        /// Nil when the group never committed on this partition.
        public var committed: Int64?
        public var high: Int64
        public var lag: Int64
    }

    /// A parked record, with where it came from and why it failed.
    public struct DeadLetter: Sendable {
        public var partition: Int32
        public var offset: Int64
        public var originalTopic: String?
        public var error: String?
        public var attempts: String?
        public var message: KafkaConsumerMessage
    }

    private let client: KafkaClientConfiguration
    private let metadata: RdKafkaClient
    private let thread: NIOThreadPool
    private let logger: Logger
    private let timeoutMilliseconds: Int32 = 10_000

    public init(client: KafkaClientConfiguration, logger: Logger) throws(KafkaError) {
        self.client = client
        self.logger = logger
        self.metadata = try RdKafkaClient(kind: .producer, configuration: client.properties, logger: logger)
        self.thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    public func shutdown() async {
        try? await thread.shutdownGracefully()
    }

    public func topics() async throws -> [(name: String, partitions: Int32)] {
        try await thread.runIfActive { [metadata, timeoutMilliseconds] in
            try metadata.topics(timeoutMilliseconds: timeoutMilliseconds).sorted { $0.name < $1.name }
        }
    }

    public func offsets(topic: String) async throws -> [PartitionOffsets] {
        try await thread.runIfActive { [metadata, timeoutMilliseconds] in
            guard let count = try metadata.partitionCount(topic: topic, timeoutMilliseconds: timeoutMilliseconds) else { return [] }
            return try (0..<Int32(count)).map { partition in
                let (low, high) = try metadata.watermarks(topic: topic, partition: partition, timeoutMilliseconds: timeoutMilliseconds)
                return PartitionOffsets(topic: topic, partition: partition, low: low, high: high)
            }
        }
    }

    /// Per-partition lag of a consumer group on `topics`, from its committed offsets.
    public func lag(group: String, topics: [String]) async throws -> [GroupLag] {
        var partitions: [PartitionOffsets] = []
        for topic in topics { partitions += try await offsets(topic: topic) }
        let groupClient = try RdKafkaClient(kind: .consumer, configuration: groupProperties(group), logger: logger)
        let committed = try await thread.runIfActive { [partitions, timeoutMilliseconds] in
            try groupClient.committed(partitions.map { ($0.topic, $0.partition) }, timeoutMilliseconds: timeoutMilliseconds)
        }
        return zip(partitions, committed).map { offsets, committed in
            GroupLag(group: group, topic: offsets.topic, partition: offsets.partition, committed: committed, high: offsets.high,
                     lag: offsets.high - (committed ?? offsets.low))
        }
    }

    /// Dead letters not yet reviewed: from `reviewGroup`'s committed offsets to the end of `topic`.
    public func deadLetters(topic: String, reviewGroup: String, limit: Int) async throws -> [DeadLetter] {
        let pending = try await lag(group: reviewGroup, topics: [topic]).filter { $0.lag > 0 }
        guard !pending.isEmpty else { return [] }
        let reader = try RdKafkaClient(kind: .consumer, configuration: groupProperties(reviewGroup), logger: logger)
        return try await thread.runIfActive { [timeoutMilliseconds] in
            try reader.assign(pending.map { ($0.topic, $0.partition, $0.committed ?? $0.high - $0.lag) })
            var remaining = Dictionary(uniqueKeysWithValues: pending.map { ($0.partition, $0.high) })
            var letters: [DeadLetter] = []
            let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMilliseconds))
            while !remaining.isEmpty, letters.count < limit, ContinuousClock.now < deadline {
                guard let message = try reader.pollMessage(timeoutMilliseconds: 200) else { continue }
                if let end = remaining[message.partition], message.offset >= end - 1 { remaining[message.partition] = nil }
                let header = { (key: String) in message.headers.first { $0.key == key }?.stringValue }
                letters.append(DeadLetter(partition: message.partition, offset: message.offset, originalTopic: header("dlq.original.topic"),
                                          error: header("dlq.error"), attempts: header("dlq.attempts"), message: message))
            }
            reader.closeConsumer()
            return letters.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        }
    }

    /// Marks dead letters up to and including these as reviewed for `reviewGroup`.
    public func markReviewed(_ letters: [DeadLetter], topic: String, reviewGroup: String) async throws {
        let last = Dictionary(grouping: letters, by: \.partition).mapValues { $0.map(\.offset).max()! }
        guard !last.isEmpty else { return }
        let committer = try RdKafkaClient(kind: .consumer, configuration: groupProperties(reviewGroup), logger: logger)
        try await thread.runIfActive {
            try committer.commit(last.map { (topic, $0.key, $0.value) })
        }
    }

    private func groupProperties(_ group: String) -> [String: String] {
        var properties = client.properties
        properties["group.id"] = group
        properties["enable.auto.commit"] = "false"
        properties["enable.auto.offset.store"] = "false"
        properties["auto.offset.reset"] = "earliest"
        return properties
    }
}
