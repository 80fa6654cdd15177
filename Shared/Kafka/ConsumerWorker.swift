import HotlineConcurrency
import Logging
import Metrics
import ServiceLifecycle

/// Bounded retries with exponential backoff and jitter.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int = 5
    public var initialBackoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(5)

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(5)) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Backoff before attempt `attempt + 1`, full jitter over an exponentially growing ceiling.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(maxBackoff, initialBackoff * (1 << min(attempt - 1, 20)))
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: nanos / 2...max(nanos / 2, nanos)))
    }
}

/// A handler failure that no retry will cure (an undecodable payload, say): straight to the DLQ.
public struct PermanentHandlerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Drives a consumer: handle each record, retry failures, dead-letter poison records, then commit.
///
/// Records arrive in batches of whatever is already fetched. Partitions of a batch are handled
/// concurrently, each in its own order, and the batch is committed once every record in it is
/// handled or safely in `<topic>.dlq`: every record is processed at least once, order holds
/// within a partition (and so per key), and a poison record never blocks its partition.
public struct ConsumerWorker: Service {
    public typealias Handler = @Sendable (KafkaConsumerMessage) async throws -> Void
    /// Handles one partition's consecutive records together (in one database transaction, say),
    /// all or nothing, and returns true; false leaves them to `handler`. When it fails, the records
    /// are handled one by one with `handler`, so a poison record is retried and dead-lettered alone.
    public typealias LaneHandler = @Sendable ([KafkaConsumerMessage]) async throws -> Bool

    private let consumer: KafkaConsumer
    private let deadLetterProducer: KafkaProducer
    private let retryPolicy: RetryPolicy
    private let maximumBatch: Int
    private let handlerDeadline: Duration
    private let isTransient: @Sendable (any Error) -> Bool
    private let handler: Handler
    private let laneHandler: LaneHandler?
    private let logger: Logger

    /// - Parameters:
    ///   - maximumBatch: records handled between two offset commits; 1 commits each record.
    ///   - handlerDeadline: one attempt longer than this is abandoned and counts as a failure.
    ///   - isTransient: failures of the infrastructure (database unreachable, say) rather than of
    ///     the record; they are retried for as long as they last and never dead-letter a record.
    public init(
        consumer: KafkaConsumer, deadLetterProducer: KafkaProducer, retryPolicy: RetryPolicy = RetryPolicy(),
        maximumBatch: Int = 256, handlerDeadline: Duration = .seconds(30),
        isTransient: @escaping @Sendable (any Error) -> Bool = { _ in false },
        logger: Logger, laneHandler: LaneHandler? = nil, handler: @escaping Handler
    ) {
        self.consumer = consumer
        self.deadLetterProducer = deadLetterProducer
        self.retryPolicy = retryPolicy
        self.maximumBatch = maximumBatch
        self.handlerDeadline = handlerDeadline
        self.isTransient = isTransient
        self.handler = handler
        self.laneHandler = laneHandler
        self.logger = logger
    }

    /// Shutdown came while a record still waited for the infrastructure; it stays uncommitted.
    private struct StoppedBeforeHandled: Error {}

    public func run() async throws {
        // A batch's commit overlaps the poll of the next one: the commit is a round trip to the
        // broker, and nothing waits on it except the commit after it.
        var batches = consumer.batches(maximumRecords: maximumBatch).makeAsyncIterator()
        var next = try await batches.next()
        while let batch = next {
            do {
                try await handle(batch)
            } catch is StoppedBeforeHandled {
                return
            }
            if Task.isShuttingDownGracefully {
                // The last commit before the group is left: nothing to overlap it with.
                await commit(batch)
                next = try await batches.next()
            } else {
                async let committed: Void = commit(batch)
                next = try await batches.next()
                await committed
            }
        }
    }

    private func commit(_ batch: [KafkaConsumerMessage]) async {
        do {
            try await consumer.commit(batch)
        } catch {
            // A rebalance took the partition: its new owner gets the records again, and handlers are idempotent.
            logger.warning("offset commit failed; records will be redelivered", metadata: [
                "records": "\(batch.count)", "first_offset": "\(batch[0].offset)", "error": "\(error)",
            ])
        }
    }

    /// Handles each partition's records in order, partitions side by side.
    private func handle(_ batch: [KafkaConsumerMessage]) async throws {
        let lanes = Dictionary(grouping: batch) { TopicPartition(topic: $0.topic, partition: $0.partition) }
        if lanes.count == 1 {
            try await handleLane(batch)
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in lanes.values {
                group.addTask { try await handleLane(lane) }
            }
            try await group.waitForAll()
        }
    }

    private func handleLane(_ lane: [KafkaConsumerMessage]) async throws {
        if let laneHandler, lane.count > 1 {
            let started = ContinuousClock.now
            do {
                if try await withDeadline(handlerDeadline, operation: { try await laneHandler(lane) }) {
                    Timer(label: "hotline_kafka_lane_duration_seconds", dimensions: [("topic", lane[0].topic)])
                        .record(duration: ContinuousClock.now - started)
                    return
                }
            } catch {
                // One by one from here: each record gets its own retries, waits and dead-lettering.
                Counter(label: "hotline_kafka_lane_fallbacks_total", dimensions: [("topic", lane[0].topic)]).increment()
                logger.debug("lane handler failed; handling its records one by one", metadata: [
                    "topic": "\(lane[0].topic)", "records": "\(lane.count)", "error": "\(String(reflecting: error))",
                ])
            }
        }
        for message in lane { try await process(message) }
    }

    private func process(_ message: KafkaConsumerMessage) async throws {
        let started = ContinuousClock.now
        var attempt = 0
        var transientFailures = 0
        while true {
            attempt += 1
            do {
                let handler = self.handler
                try await withDeadline(handlerDeadline) { try await handler(message) }
                Timer(label: "hotline_kafka_handler_duration_seconds", dimensions: [("topic", message.topic)])
                    .record(duration: ContinuousClock.now - started)
                return
            } catch {
                let permanent = error is PermanentHandlerError
                let transient = !permanent && (error is DeadlineExceeded || isTransient(error))
                if transient {
                    transientFailures += 1
                    attempt -= 1
                } else if permanent || attempt >= retryPolicy.maxAttempts {
                    try await deadLetter(message, error: error, attempts: attempt)
                    return
                }
                if Task.isShuttingDownGracefully || Task.isCancelled { throw StoppedBeforeHandled() }
                logger.warning(transient ? "handler waiting for the infrastructure; retrying" : "handler failed; retrying", metadata: [
                    "topic": "\(message.topic)", "offset": "\(message.offset)", "attempt": "\(attempt)",
                    "transient_failures": "\(transientFailures)", "error": "\(String(reflecting: error))",
                ])
                let backoff = retryPolicy.backoff(afterAttempt: transient ? min(transientFailures, 8) : attempt)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: backoff) }
            }
        }
    }

    private func deadLetter(_ message: KafkaConsumerMessage, error: any Error, attempts: Int) async throws {
        let headers = message.headers + [
            KafkaHeader(key: "dlq.original.topic", string: message.topic),
            KafkaHeader(key: "dlq.original.partition", string: String(message.partition)),
            KafkaHeader(key: "dlq.original.offset", string: String(message.offset)),
            KafkaHeader(key: "dlq.error", string: String(describing: error)),
            KafkaHeader(key: "dlq.attempts", string: String(attempts)),
        ]
        let deadLetter = KafkaProducerMessage(
            topic: message.topic + ".dlq", key: message.key, value: message.value, headers: headers)
        try await deadLetterProducer.send(deadLetter)
        Counter(label: "hotline_kafka_dead_lettered_total", dimensions: [("topic", message.topic)]).increment()
        logger.error("record dead-lettered", metadata: [
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
            "attempts": "\(attempts)", "error": "\(error)",
        ])
    }
}
