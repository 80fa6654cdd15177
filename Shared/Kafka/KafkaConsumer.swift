import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// A consumer-group member that hands out records as an `AsyncSequence` and commits only when told.
///
/// Records are pulled one at a time: a record is fetched when the caller asks for the next one, so
/// nothing sits in a Swift buffer that a rebalance could strand. Call `commit(_:)` once a
/// record's effects are durable; anything uncommitted is redelivered to whoever owns the partition
/// next. Run the consumer in the service group: on graceful shutdown it lets the current record
/// finish, ends the sequence, and leaves the group.
public final class KafkaConsumer: Service, Sendable {
    private let client: RdKafkaClient
    private let pollThread: NIOThreadPool
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
    }

    public var messages: KafkaConsumerMessages { KafkaConsumerMessages(consumer: self) }

    /// Commits the record's offset synchronously, so that a later crash does not redeliver it.
    public func commit(_ message: KafkaConsumerMessage) async throws {
        try await pollThread.runIfActive { [client] in
            try client.commit([(message.topic, message.partition, message.offset)])
        }
    }

    func next() async throws -> KafkaConsumerMessage? {
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
            let (message, lag) = try await pollThread.runIfActive { [client] in
                (try client.pollMessage(timeoutMilliseconds: timeout), reportLag ? client.assignmentLag() : nil)
            }
            if let lag { recordLag(lag) }
            if let message {
                state.withLockedValue { $0.didReceive() }
                Counter(label: "hotline_kafka_consumed_total", dimensions: [("topic", message.topic)]).increment()
                return message
            }
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
