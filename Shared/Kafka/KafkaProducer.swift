import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// An idempotent (`acks=all`) producer whose callers await each record's delivery report.
///
/// Run it in the service group: `run()` polls delivery reports on a dedicated thread and, on
/// graceful shutdown, stops accepting records and waits for those in flight.
public final class KafkaProducer: Service, Sendable {
    private let client: RdKafkaClient
    private let pollThread: NIOThreadPool
    private let state = NIOLockedValueBox(ProducerStateMachine())
    private let configuration: KafkaProducerConfiguration
    private let logger: Logger

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.client = try RdKafkaClient(kind: .producer, configuration: configuration.properties, logger: logger)
        self.pollThread = NIOThreadPool(numberOfThreads: 1)
        self.pollThread.start()
    }

    /// Produces one record and returns once the broker has acknowledged it.
    @discardableResult
    public func send(_ message: KafkaProducerMessage) async throws -> DeliveryReport {
        try await sendInOrder([message])[0]
    }

    /// Enqueues the records in the order given, then waits for every delivery report.
    ///
    /// With the idempotent producer, records for one partition are stored in exactly this order,
    /// even across internal retries. Throws the first failure if any record was not delivered.
    public func sendInOrder(_ messages: [KafkaProducerMessage]) async throws -> [DeliveryReport] {
        guard !messages.isEmpty else { return [] }
        // A cancelled caller stops waiting at once; records already enqueued may still be
        // delivered, which is safe because every consumer drops repeats by event id.
        let batchID = state.withLockedValue { $0.reserveBatchID() }
        do {
            let reports = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    switch state.withLockedValue({ $0.registerBatch(batchID, count: messages.count, continuation) }) {
                    case .produce(let opaques):
                        for (message, opaque) in zip(messages, opaques) {
                            do throws(KafkaError) {
                                try client.produce(message, opaque: opaque)
                            } catch {
                                state.withLockedValue { $0.complete(opaque, with: .failure(error)) }?.resume()
                            }
                        }
                    case .reject(let error):
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: {
                state.withLockedValue { $0.cancel(batchID) }?.resume()
            }
            count(messages, result: "ok")
            return reports
        } catch {
            count(messages, result: "error")
            throw error
        }
    }

    private func count(_ messages: [KafkaProducerMessage], result: String) {
        for topic in Set(messages.map(\.topic)) {
            Counter(label: "hotline_kafka_produced_total", dimensions: [("topic", topic), ("result", result)])
                .increment(by: messages.lazy.filter { $0.topic == topic }.count)
        }
    }

    /// Creates topics that do not exist yet; existing ones are left as they are.
    public func createTopics(_ topics: [TopicSpecification], timeout: Duration = .seconds(15)) async throws {
        let milliseconds = Int32(timeout.components.seconds * 1000)
        try await pollThread.runIfActive { [client] in
            try client.createTopics(topics, timeoutMilliseconds: milliseconds)
        }
    }

    /// Number of partitions of `topic`, or nil when the broker does not know it.
    public func partitionCount(topic: String) async throws -> Int? {
        try await pollThread.runIfActive { [client] in
            try client.partitionCount(topic: topic, timeoutMilliseconds: 5_000)
        }
    }

    /// Succeeds when a broker answers a metadata request within `timeout`.
    public func checkBrokerReachable(timeout: Duration = .seconds(2)) async throws {
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        _ = try await pollThread.runIfActive { [client] in
            try client.brokerCount(timeoutMilliseconds: milliseconds)
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await pollUntilDrained()
        } onGracefulShutdown: {
            self.state.withLockedValue { $0.beginShutdown() }
        }
        for completion in state.withLockedValue({ $0.finish() }) {
            completion.resume()
        }
        try? await pollThread.shutdownGracefully()
    }

    private func pollUntilDrained() async {
        var drainDeadline: ContinuousClock.Instant?
        while !Task.isCancelled {
            let events = (try? await pollThread.runIfActive { [client] in
                client.pollProducerEvents(timeoutMilliseconds: 100)
            }) ?? []
            // One lock for the whole poll's reports; callers are resumed outside it.
            let completions = state.withLockedValue { state in
                events.compactMap { event -> ProducerStateMachine.Completion? in
                    guard case .delivery(let opaque, let result) = event else { return nil }
                    return state.complete(opaque, with: result)
                }
            }
            for completion in completions { completion.resume() }
            for case .error(let error) in events {
                logger.warning("kafka producer error", metadata: ["error": "\(error)"])
            }
            if state.withLockedValue({ $0.isShuttingDown }) {
                let deadline = drainDeadline ?? .now + .milliseconds(configuration.flushTimeoutMilliseconds)
                drainDeadline = deadline
                if client.outstandingMessages == 0 || ContinuousClock.now >= deadline { return }
            }
        }
    }
}

/// Tracks callers awaiting delivery reports. Pure state: the producer performs all I/O.
struct ProducerStateMachine {
    typealias Waiter = CheckedContinuation<[DeliveryReport], any Error>

    enum RegisterAction {
        case produce(opaques: [UInt])
        case reject(any Error)
    }

    /// A caller to resume, returned so that resumption happens outside the lock.
    struct Completion {
        let waiter: Waiter
        let result: Result<[DeliveryReport], any Error>
        func resume() { waiter.resume(with: result) }
    }

    private struct Batch {
        var waiter: Waiter
        var reports: [DeliveryReport?]
        var remaining: Int
        var firstError: (any Error)?
    }

    /// A record's opaque is its batch id and its index in the batch, so a delivery report finds
    /// its slot without a per-record table. Batch ids start at 1, so no opaque is 0 (null to librdkafka).
    private static let indexBits: UInt = 24
    static let maximumBatchCount = 1 << indexBits
    private var nextBatch: UInt = 1
    private var batches: [UInt: Batch] = [:]
    /// Batches whose caller was cancelled before they were registered.
    private var cancelledEarly: Set<UInt> = []
    private(set) var isShuttingDown = false

    mutating func reserveBatchID() -> UInt {
        defer { nextBatch = nextBatch >= UInt.max >> Self.indexBits ? 1 : nextBatch + 1 }
        return nextBatch
    }

    mutating func registerBatch(_ batchID: UInt, count: Int, _ waiter: Waiter) -> RegisterAction {
        guard !isShuttingDown else { return .reject(KafkaError(code: .shutDown, message: "producer is shutting down")) }
        guard cancelledEarly.remove(batchID) == nil else { return .reject(CancellationError()) }
        guard count < Self.maximumBatchCount else {
            return .reject(KafkaError(code: .batchTooLarge, message: "at most \(Self.maximumBatchCount - 1) records per batch"))
        }
        batches[batchID] = Batch(waiter: waiter, reports: .init(repeating: nil, count: count), remaining: count)
        let base = batchID << Self.indexBits
        return .produce(opaques: (0..<UInt(count)).map { base | $0 })
    }

    /// Stops waiting for a batch; its late delivery reports are then ignored.
    mutating func cancel(_ batchID: UInt) -> Completion? {
        guard let batch = batches.removeValue(forKey: batchID) else {
            cancelledEarly.insert(batchID)
            return nil
        }
        return Completion(waiter: batch.waiter, result: .failure(CancellationError()))
    }

    /// Records one record's outcome; returns the caller to resume once its whole batch is known.
    mutating func complete(_ opaque: UInt, with result: Result<DeliveryReport, KafkaError>) -> Completion? {
        let slot = (batch: opaque >> Self.indexBits, index: Int(opaque & (UInt(Self.maximumBatchCount) - 1)))
        // In place through the subscript's inout access: a copy taken out of the dictionary would
        // copy the batch's report array on every record, quadratic in the batch size.
        guard Self.record(result, at: slot.index, in: &batches[slot.batch]) else { return nil }
        guard let batch = batches.removeValue(forKey: slot.batch) else { return nil }
        if let error = batch.firstError {
            return Completion(waiter: batch.waiter, result: .failure(error))
        }
        return Completion(waiter: batch.waiter, result: .success(batch.reports.map { $0! }))
    }

    /// Returns true when this was the batch's last outstanding record.
    private static func record(_ result: Result<DeliveryReport, KafkaError>, at index: Int, in batch: inout Batch?) -> Bool {
        guard batch != nil else { return false }
        switch result {
        case .success(let report): batch!.reports[index] = report
        case .failure(let error): batch!.firstError = batch!.firstError ?? error
        }
        batch!.remaining -= 1
        return batch!.remaining == 0
    }

    mutating func beginShutdown() { isShuttingDown = true }

    /// Ends the producer and hands back every caller still waiting, failed.
    mutating func finish() -> [Completion] {
        isShuttingDown = true
        defer {
            batches.removeAll()
        }
        let error = KafkaError(code: .shutDown, message: "producer stopped before delivery")
        return batches.values.map { Completion(waiter: $0.waiter, result: .failure(error)) }
    }
}
