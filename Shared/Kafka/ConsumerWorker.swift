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
/// The commit happens only after the handler succeeded or the record is safely in `<topic>.dlq`,
/// so every record is processed at least once and a poison record never blocks its partition.
public struct ConsumerWorker: Service {
    public typealias Handler = @Sendable (KafkaConsumerMessage) async throws -> Void

    private let consumer: KafkaConsumer
    private let deadLetterProducer: KafkaProducer
    private let retryPolicy: RetryPolicy
    private let handler: Handler
    private let logger: Logger

    public init(
        consumer: KafkaConsumer, deadLetterProducer: KafkaProducer, retryPolicy: RetryPolicy = RetryPolicy(),
        logger: Logger, handler: @escaping Handler
    ) {
        self.consumer = consumer
        self.deadLetterProducer = deadLetterProducer
        self.retryPolicy = retryPolicy
        self.handler = handler
        self.logger = logger
    }

    public func run() async throws {
        for try await message in consumer.messages {
            try await process(message)
            do {
                try await consumer.commit(message)
            } catch {
                // A rebalance took the partition: its new owner gets the record again, and handlers are idempotent.
                logger.warning("offset commit failed; record will be redelivered", metadata: [
                    "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                    "error": "\(error)",
                ])
            }
        }
    }

    private func process(_ message: KafkaConsumerMessage) async throws {
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await handler(message)
                Timer(label: "hotline_kafka_handler_duration_seconds", dimensions: [("topic", message.topic)])
                    .record(duration: ContinuousClock.now - started)
                return
            } catch {
                let permanent = error is PermanentHandlerError
                if permanent || attempt >= retryPolicy.maxAttempts {
                    try await deadLetter(message, error: error, attempts: attempt)
                    return
                }
                logger.warning("handler failed; retrying", metadata: [
                    "topic": "\(message.topic)", "offset": "\(message.offset)", "attempt": "\(attempt)", "error": "\(error)",
                ])
                try await Task.sleep(for: retryPolicy.backoff(afterAttempt: attempt))
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
