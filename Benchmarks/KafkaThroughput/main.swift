import Foundation
import HotlineKafka
import Logging
import ServiceLifecycle

// Produce and consume-with-commit throughput of the HotlineKafka wrapper, for scripts/bench.sh.
//
//   KafkaThroughput produce --brokers 127.0.0.1:29643 --topic t --count 100000 --size 300
//   KafkaThroughput consume --brokers 127.0.0.1:29643 --topic t --count 100000 [--commit-every 1]
//   KafkaThroughput create --brokers 127.0.0.1:29643 --topic a,b    (6 partitions each)
//
// create: the bench creates the baseline's topic too, so that both tools produce into existing
// topics of 6 partitions. Right after creating a topic, librdkafka needs about a second of metadata
// refreshes before it can produce to it; produce therefore sends one warm-up record before the clock.
// produce: records of --size bytes, awaited by delivery report (acks=all, idempotent, as the services
// produce), --batch records per sendInOrder call, --inflight calls at once. --keys unique (the
// default, the services' shape: a key per record, hashed over the partitions) or none (no key, as
// rdkafka_performance -P sends them: librdkafka then fills one partition's batch at a time).
// consume: a new consumer group reads --count records in batches of what is already fetched, at most
// --commit-every records each, committing each batch synchronously while the next is polled (the
// services' ConsumerWorker does the same with HOTLINE_KAFKA_CONSUMER_BATCH=256; 1 commits every record).
// --prefetch-records and --prefetch-kilobytes override the services' bounded prefetch queue (250
// records per partition, 1 MiB); librdkafka's defaults, which rdkafka_performance runs with, are
// 100000 and 65536. --fetch-queue-backoff-ms overrides how long a partition whose queue is full
// waits before it is fetched again (the services: 1 ms).
// Prints one JSON object: {"mode", "count", "seconds", "per_second"}.

struct Options {
    var mode = "produce"
    var brokers = "127.0.0.1:9092"
    var topic = "bench"
    var count = 100_000
    var size = 300
    var batch = 1_000
    var inflight = 16
    var commitEvery = 1
    var prefetchRecords: Int?
    var prefetchKilobytes: Int?
    var fetchQueueBackoff: Int?
    var uniqueKeys = true

    init(_ arguments: [String]) {
        mode = arguments.first ?? mode
        var index = 1
        while index + 1 < arguments.count {
            let value = arguments[index + 1]
            switch arguments[index] {
            case "--brokers": brokers = value
            case "--topic": topic = value
            case "--count": count = Int(value) ?? count
            case "--size": size = Int(value) ?? size
            case "--batch": batch = Int(value) ?? batch
            case "--inflight": inflight = Int(value) ?? inflight
            case "--commit-every": commitEvery = Int(value) ?? commitEvery
            case "--prefetch-records": prefetchRecords = Int(value)
            case "--prefetch-kilobytes": prefetchKilobytes = Int(value)
            case "--fetch-queue-backoff-ms": fetchQueueBackoff = Int(value)
            case "--keys" where value == "unique" || value == "none": uniqueKeys = value == "unique"
            default: FileHandle.standardError.write(Data("unknown option \(arguments[index])\n".utf8)); exit(2)
            }
            index += 2
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func report(_ mode: String, _ count: Int, _ elapsed: Duration, batches: Int? = nil) {
    let s = seconds(elapsed)
    let batchField = batches.map { #","batches":\#($0)"# } ?? ""
    print(#"{"mode":"\#(mode)","count":\#(count),"seconds":\#(s),"per_second":\#(Double(count) / s)\#(batchField)}"#)
}

/// Runs `body` alongside the Kafka client's own service (its poll loop), then shuts the client down.
func withService<S: Service>(_ service: S, logger: Logger, _ body: @escaping @Sendable () async throws -> Void) async throws {
    let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await body()
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
var logger = Logger(label: "kafka-throughput")
logger.logLevel = .warning
let client = KafkaClientConfiguration(bootstrapServers: options.brokers, clientID: "kafka-throughput")

switch options.mode {
case "produce":
    let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
    try await withService(producer, logger: logger) {
        try await producer.createTopics([TopicSpecification(name: options.topic, partitions: 6)])
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: options.size)
        try await producer.send(KafkaProducerMessage(topic: options.topic, key: "warm-up", value: payload))
        let batches = (options.count + options.batch - 1) / options.batch
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func submit() {
                let index = next
                next += 1
                let size = min(options.batch, options.count - index * options.batch)
                let messages = (0..<size).map { offset in
                    // An empty key reaches librdkafka as no key at all.
                    KafkaProducerMessage(topic: options.topic, key: options.uniqueKeys ? Array("k\(index * options.batch + offset)".utf8) : [],
                                         value: payload)
                }
                group.addTask { _ = try await producer.sendInOrder(messages) }
            }
            while next < min(options.inflight, batches) { submit() }
            while try await group.next() != nil {
                if next < batches { submit() }
            }
        }
        report("produce", options.count, ContinuousClock.now - started)
    }
case "create":
    let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
    try await withService(producer, logger: logger) {
        let names = options.topic.split(separator: ",").map(String.init)
        try await producer.createTopics(names.map { TopicSpecification(name: $0, partitions: 6) })
    }
case "consume":
    var configuration = KafkaConsumerConfiguration(client: client, groupID: "bench-\(UUID().uuidString)", topics: [options.topic])
    configuration.autoOffsetReset = "earliest"
    if let records = options.prefetchRecords { configuration.prefetchMinimumRecords = records }
    if let kilobytes = options.prefetchKilobytes { configuration.prefetchMaximumKilobytes = kilobytes }
    if let backoff = options.fetchQueueBackoff { configuration.fetchQueueBackoffMilliseconds = backoff }
    let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
    try await withService(consumer, logger: logger) {
        var received = 0
        var batchCount = 0
        var started: ContinuousClock.Instant?
        // As the services' ConsumerWorker consumes: batches of what is already fetched, each
        // committed synchronously while the next batch is polled.
        var batches = consumer.batches(maximumRecords: min(options.commitEvery, options.count)).makeAsyncIterator()
        var next = try await batches.next()
        while let batch = next {
            // The clock starts at the first record, so group join time is not counted.
            if started == nil { started = .now }
            let taken = Array(batch.prefix(options.count - received))
            received += taken.count
            batchCount += 1
            if received >= options.count {
                try await consumer.commit(taken)
                break
            }
            async let committed: Void = consumer.commit(taken)
            next = try await batches.next()
            try await committed
        }
        report("consume", received, ContinuousClock.now - (started ?? .now), batches: batchCount)
    }
default:
    FileHandle.standardError.write(Data("mode must be produce, consume or create\n".utf8))
    exit(2)
}
