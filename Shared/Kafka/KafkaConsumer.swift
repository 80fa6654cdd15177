import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// A consumer-group member that hands out records as an `AsyncSequence` and commits only when told.
///
/// Records are pulled when the caller asks for the next one (or the next batch of those already
/// fetched), so nothing sits in a Swift buffer that a rebalance could strand. Call `commit(_:)` once a
/// record's effects are durable; anything uncommitted is redelivered to whoever owns the partition
/// next. Run the consumer in the service group: on graceful shutdown it lets the current record
/// finish, ends the sequence, and leaves the group.
public final class KafkaConsumer: Service, Sendable {
    private let client: RdKafkaClient
    private let pollThread: NIOThreadPool
    /// Commits have their own thread, so a caller can commit one batch while the next is polled.
    private let commitThread: NIOThreadPool
    private let state = NIOLockedValueBox(ConsumerStateMachine())
    private let lagReportedAt = NIOLockedValueBox(ContinuousClock.now)
    private let configuration: KafkaConsumerConfiguration
    private let logger: Logger

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.client = try RdKafkaClient(kind: .consumer, configuration: configuration.properties, logger: logger)
        self.pollThread = NIOThreadPool(numberOfThreads: 1)
        self.pollThread.start()
        self.commitThread = NIOThreadPool(numberOfThreads: 1)
        self.commitThread.start()
    }

    public var messages: KafkaConsumerMessages { KafkaConsumerMessages(consumer: self) }

    /// Batches of records already fetched, up to `maximumRecords` each, in partition order.
    /// A batch never waits to fill: under light load it holds one record.
    public func batches(maximumRecords: Int) -> KafkaConsumerBatches {
        KafkaConsumerBatches(consumer: self, maximumRecords: max(1, maximumRecords))
    }

    /// Commits the record's offset synchronously, so that a later crash does not redeliver it.
    public func commit(_ message: KafkaConsumerMessage) async throws {
        try await commit([message])
    }

    /// Commits, per partition, the highest offset among `messages`, in one synchronous request.
    /// May run while the next batch is polled; commits run one at a time, in the order called.
    public func commit(_ messages: [KafkaConsumerMessage]) async throws {
        // A linear scan: a batch spans a handful of partitions, and hashing each record's topic
        // showed in profiles; records of one batch share their topic strings, so comparing is cheap.
        var positions: [(topic: String, partition: Int32, offset: Int64)] = []
        for message in messages {
            if let index = positions.firstIndex(where: { $0.partition == message.partition && $0.topic == message.topic }) {
                positions[index].offset = max(positions[index].offset, message.offset)
            } else {
                positions.append((message.topic, message.partition, message.offset))
            }
        }
        guard !positions.isEmpty else { return }
        try await commitThread.runIfActive { [client, positions] in
            try client.commit(positions)
        }
    }

    func next() async throws -> KafkaConsumerMessage? {
        try await nextBatch(maximumRecords: 1)?.first
    }

    func nextBatch(maximumRecords: Int) async throws -> [KafkaConsumerMessage]? {
        while true {
            let stopNow = Task.isCancelled || Task.isShuttingDownGracefully
            switch state.withLockedValue({ $0.willPoll(callerIsStopping: stopNow) }) {
            case .finish(let waiter):
                waiter?.resume()
                return nil
            case .subscribeAndPoll:
                // Subscribing on first use lets a service create its topics before joining the group.
                let topics = configuration.topics
                try await pollThread.runIfActive { [client] in try client.subscribe(topics: topics) }
            case .poll:
                break
            }
            let timeout = configuration.pollTimeoutMilliseconds
            let reportLag = lagReportedAt.withLockedValue { last in
                guard ContinuousClock.now - last >= .seconds(10) else { return false }
                last = .now
                return true
            }
            let (batch, lag) = try await pollThread.runIfActive { [client] in
                (try client.pollMessages(maximum: maximumRecords, timeoutMilliseconds: timeout),
                 reportLag ? client.assignmentLag() : nil)
            }
            if let lag { recordLag(lag) }
            if !batch.isEmpty {
                state.withLockedValue { $0.didReceive() }
                countConsumed(batch)
                return batch
            }
        }
    }

    /// `hotline_kafka_consumed_total{topic}`, counted by runs of one topic (no hashing per record).
    private func countConsumed(_ batch: [KafkaConsumerMessage]) {
        var start = batch.startIndex
        while start < batch.endIndex {
            let topic = batch[start].topic
            let end = batch[start...].firstIndex { $0.topic != topic } ?? batch.endIndex
            Counter(label: "hotline_kafka_consumed_total", dimensions: [("topic", topic)]).increment(by: end - start)
            start = end
        }
    }

    /// `hotline_kafka_consumer_lag{group,topic}`: records behind the partition ends this member owns.
    private func recordLag(_ partitions: [RdKafkaClient.PartitionLag]) {
        let byTopic = Dictionary(grouping: partitions, by: \.topic).mapValues { $0.reduce(0) { $0 + $1.lag } }
        for topic in configuration.topics {
            Gauge(label: "hotline_kafka_consumer_lag", dimensions: [("group", configuration.groupID), ("topic", topic)])
                .record(byTopic[topic] ?? 0)
        }
    }

    public func run() async throws {
        // Wait for shutdown or cancellation; either way the group must be left cleanly.
        try? await gracefulShutdown()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    if self.state.withLockedValue({ $0.requestStop(waiter: waiter) }) == .stopNow {
                        waiter.resume()
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: self.configuration.shutdownGracePeriod)
                self.state.withLockedValue { $0.forceStop() }?.resume()
            }
            await group.next()
            group.cancelAll()
        }
        // A commit still running finishes before the group is left.
        try? await commitThread.shutdownGracefully()
        try? await pollThread.runIfActive { [client] in client.closeConsumer() }
        try? await pollThread.shutdownGracefully()
    }
}

/// The records of a `KafkaConsumer`, in partition order. Ends when the consumer shuts down.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage
    let consumer: KafkaConsumer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        public mutating func next() async throws -> KafkaConsumerMessage? {
            try await consumer.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
}

/// Batches of records of a `KafkaConsumer`, each in partition order. Ends when the consumer shuts down.
public struct KafkaConsumerBatches: AsyncSequence, Sendable {
    public typealias Element = [KafkaConsumerMessage]
    let consumer: KafkaConsumer
    let maximumRecords: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let maximumRecords: Int
        public mutating func next() async throws -> [KafkaConsumerMessage]? {
            try await consumer.nextBatch(maximumRecords: maximumRecords)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer, maximumRecords: maximumRecords) }
}

/// A partition of a topic: the unit of ordering and of offset commits.
public struct TopicPartition: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
}

/// Coordinates the caller's iteration with shutdown. Pure state: the consumer performs all I/O.
struct ConsumerStateMachine {
    enum State {
        /// Nobody is inside `next()` or holding a record.
        case idle
        case polling
        /// A record was handed out and the caller is working on it.
        case handling
        case stopRequested(waiter: CheckedContinuation<Void, Never>?)
        case stopped
    }

    enum PollAction {
        case subscribeAndPoll
        case poll
        /// End the sequence, resuming the shutdown waiter if there is one.
        case finish(CheckedContinuation<Void, Never>?)
    }

    enum StopAction: Equatable {
        case stopNow
        case waitForCaller
    }

    private(set) var state: State = .idle
    private var isSubscribed = false

    mutating func willPoll(callerIsStopping: Bool) -> PollAction {
        switch state {
        case .idle, .polling, .handling:
            if callerIsStopping {
                state = .idle
                return .finish(nil)
            }
            state = .polling
            if !isSubscribed {
                isSubscribed = true
                return .subscribeAndPoll
            }
            return .poll
        case .stopRequested(let waiter):
            state = .stopped
            return .finish(waiter)
        case .stopped:
            return .finish(nil)
        }
    }

    mutating func didReceive() {
        if case .polling = state { state = .handling }
    }

    mutating func requestStop(waiter: CheckedContinuation<Void, Never>) -> StopAction {
        switch state {
        case .idle, .stopped:
            state = .stopped
            return .stopNow
        case .polling, .handling:
            state = .stopRequested(waiter: waiter)
            return .waitForCaller
        case .stopRequested:
            return .stopNow
        }
    }

    /// The caller did not come back in time; returns the waiter to resume, if still waiting.
    mutating func forceStop() -> CheckedContinuation<Void, Never>? {
        guard case .stopRequested(let waiter) = state else { return nil }
        state = .stopped
        return waiter
    }
}
