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
        do {
            let report = try await withCheckedThrowingContinuation { continuation in
                switch state.withLockedValue({ $0.register(continuation) }) {
                case .produce(let opaque):
                    do {
                        try client.produce(message, opaque: opaque)
                    } catch {
                        if let continuation = state.withLockedValue({ $0.takeContinuation(opaque) }) {
                            continuation.resume(throwing: error)
                        }
                    }
                case .reject:
                    continuation.resume(throwing: KafkaError(code: .shutDown, message: "producer is shutting down"))
                }
            }
            Counter(label: "hotline_kafka_produced_total", dimensions: [("topic", message.topic), ("result", "ok")]).increment()
            return report
        } catch {
            Counter(label: "hotline_kafka_produced_total", dimensions: [("topic", message.topic), ("result", "error")]).increment()
            throw error
        }
    }

    /// Produces several records concurrently and waits for all of their delivery reports.
    public func sendAll(_ messages: [KafkaProducerMessage]) async throws -> [DeliveryReport] {
        try await withThrowingTaskGroup(of: (Int, DeliveryReport).self) { group in
            for (index, message) in messages.enumerated() {
                group.addTask { (index, try await self.send(message)) }
            }
            var reports = [DeliveryReport?](repeating: nil, count: messages.count)
            for try await (index, report) in group { reports[index] = report }
            return reports.map { $0! }
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
        for continuation in state.withLockedValue({ $0.finish() }) {
            continuation.resume(throwing: KafkaError(code: .shutDown, message: "producer stopped before delivery"))
        }
        try? await pollThread.shutdownGracefully()
    }

    private func pollUntilDrained() async {
        var drainDeadline: ContinuousClock.Instant?
        while !Task.isCancelled {
            let events = (try? await pollThread.runIfActive { [client] in
                client.pollProducerEvents(timeoutMilliseconds: 100)
            }) ?? []
            for event in events {
                switch event {
                case .delivery(let opaque, let result):
                    state.withLockedValue { $0.takeContinuation(opaque) }?.resume(with: result.mapError { $0 as any Error })
                case .error(let error):
                    logger.warning("kafka producer error", metadata: ["error": "\(error)"])
                }
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
    enum RegisterAction {
        case produce(opaque: UInt)
        case reject
    }

    private var nextOpaque: UInt = 1
    private var pending: [UInt: CheckedContinuation<DeliveryReport, any Error>] = [:]
    private(set) var isShuttingDown = false
    private var isFinished = false

    mutating func register(_ continuation: CheckedContinuation<DeliveryReport, any Error>) -> RegisterAction {
        guard !isShuttingDown, !isFinished else { return .reject }
        let opaque = nextOpaque
        nextOpaque &+= 1
        if nextOpaque == 0 { nextOpaque = 1 }
        pending[opaque] = continuation
        return .produce(opaque: opaque)
    }

    mutating func takeContinuation(_ opaque: UInt) -> CheckedContinuation<DeliveryReport, any Error>? {
        pending.removeValue(forKey: opaque)
    }

    mutating func beginShutdown() { isShuttingDown = true }

    /// Ends the producer and hands back every caller still waiting, to be failed.
    mutating func finish() -> [CheckedContinuation<DeliveryReport, any Error>] {
        isShuttingDown = true
        isFinished = true
        defer { pending.removeAll() }
        return Array(pending.values)
    }
}
