import ArgumentParser
import Foundation
import HotlineDomain
import HotlineKafka
import HotlineRuntime
import Logging

/// Opens a Kafka admin client from the environment for the duration of `body`.
func withKafkaAdmin<T: Sendable>(_ body: @Sendable (KafkaAdmin, ServiceConfiguration) async throws -> T) async throws -> T {
    var reader = try EnvironmentReader()
    let configuration = ServiceConfiguration.fromEnvironment(serviceName: "ctl", defaultHTTPPort: 8099, reader: &reader)
    try reader.validate()
    var logger = Logger(label: "hotlinectl")
    logger.logLevel = .warning
    let admin = try KafkaAdmin(client: configuration.kafka, logger: logger)
    do {
        let result = try await body(admin, configuration)
        await admin.shutdown()
        return result
    } catch {
        await admin.shutdown()
        throw error
    }
}

/// Which group consumes which topics: the services' contract, for lag reports.
let consumerGroups: [(group: String, topics: [String])] = [
    ("hotline-routing", [Topic.reportsReceived]),
    ("hotline-accountability", [Topic.casesRouted, Topic.commandsReceived]),
    ("hotline-notification", [Topic.notificationsRequested, Topic.notificationStatus, Topic.commandsReceived]),
    ("hotline-warehouse", [Topic.casesRouted, Topic.caseEvents, Topic.notificationStatus]),
]

struct Topics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Kafka topics: create the contract topics, describe them, and show consumer lag.",
        subcommands: [Create.self, Describe.self, Lag.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create every contract topic and its .dlq twin (existing ones are kept).")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            var reader = try EnvironmentReader()
            let configuration = ServiceConfiguration.fromEnvironment(serviceName: "ctl", defaultHTTPPort: 8099, reader: &reader)
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: configuration.kafka), logger: Logger(label: "hotlinectl"))
            try await producer.createTopics(configuration.topicSpecifications)
            let names = configuration.topicSpecifications.map(\.name)
            try emit(options.json, text: "topics present: \(names.joined(separator: ", "))", object: ["topics": names])
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Partitions and offsets of each hotline topic.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let described = try await withKafkaAdmin { admin, _ in
                var result: [(String, [KafkaAdmin.PartitionOffsets])] = []
                for (name, _) in try await admin.topics() where name.hasPrefix("hotline.") {
                    result.append((name, try await admin.offsets(topic: name)))
                }
                return result
            }
            let lines = described.map { name, partitions in
                let records = partitions.reduce(0) { $0 + $1.high - $1.low }
                return "\(name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(partitions.count) partitions  \(records) records retained"
            }
            try emit(options.json, text: lines.isEmpty ? "no hotline topics" : lines.joined(separator: "\n"), object: ["topics": described.map { name, partitions in
                ["name": name, "partitions": partitions.map { ["partition": $0.partition, "low": $0.low, "high": $0.high] }] as [String: Any]
            }])
        }
    }

    struct Lag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How far each service's consumer group is behind, per topic.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this consumer group.") var group: String?

        func run() async throws {
            let selected = consumerGroups.filter { group == nil || $0.group == group }
            guard !selected.isEmpty else { throw ValidationError("unknown group; known: \(consumerGroups.map(\.group).joined(separator: ", "))") }
            let lags = try await withKafkaAdmin { admin, _ in
                var result: [KafkaAdmin.GroupLag] = []
                let existing = Set(try await admin.topics().map(\.name))
                for entry in selected {
                    result += try await admin.lag(group: entry.group, topics: entry.topics.filter(existing.contains))
                }
                return result
            }
            let byGroupTopic = Dictionary(grouping: lags) { "\($0.group)  \($0.topic)" }
            let lines = byGroupTopic.keys.sorted().map { key in
                "\(key.padding(toLength: 64, withPad: " ", startingAt: 0)) lag \(byGroupTopic[key]!.reduce(0) { $0 + $1.lag })"
            }
            try emit(options.json, text: lines.joined(separator: "\n"), object: ["lag": lags.map {
                ["group": $0.group, "topic": $0.topic, "partition": $0.partition, "committed": $0.committed as Any, "high": $0.high, "lag": $0.lag]
            }])
        }
    }
}

struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Review parked records: list them, replay them to their topic, or purge (mark reviewed without replaying).",
        discussion: """
            Review progress is kept as the committed offsets of the consumer group 'hotlinectl-dlq-review', so each
            parked record is listed until it is replayed or purged. Purged records stay in Kafka until the topic's
            retention removes them; they are never shown again.
            """,
        subcommands: [List.self, Replay.self, Purge.self])

    static let reviewGroup = "hotlinectl-dlq-review"

    struct Selection: ParsableArguments {
        @Option(help: "The dead-letter topic, e.g. hotline.reports.received.dlq (default: all).") var topic: String?
        @Option(help: "At most this many records per topic.") var limit: Int = 1_000
    }

    static func pending(_ selection: Selection, admin: KafkaAdmin) async throws -> [(String, [KafkaAdmin.DeadLetter])] {
        let topics = try await admin.topics().map(\.name).filter { $0.hasSuffix(".dlq") && (selection.topic == nil || $0 == selection.topic) }
        var result: [(String, [KafkaAdmin.DeadLetter])] = []
        for topic in topics {
            let letters = try await admin.deadLetters(topic: topic, reviewGroup: reviewGroup, limit: selection.limit)
            if !letters.isEmpty { result.append((topic, letters)) }
        }
        return result
    }

    static func describe(_ pending: [(String, [KafkaAdmin.DeadLetter])]) -> [[String: Any]] {
        pending.flatMap { topic, letters in
            letters.map { ["topic": topic, "partition": $0.partition, "offset": $0.offset, "original_topic": $0.originalTopic ?? "",
                           "error": $0.error ?? "", "attempts": $0.attempts ?? ""] as [String: Any] }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parked records not yet replayed or purged (never their payloads).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var selection: Selection

        func run() async throws {
            let pending = try await withKafkaAdmin { admin, _ in try await DeadLetters.pending(selection, admin: admin) }
            let lines = pending.flatMap { topic, letters in
                letters.map { "\(topic) p\($0.partition)@\($0.offset)  from \($0.originalTopic ?? "?")  after \($0.attempts ?? "?") attempts: \($0.error ?? "")" }
            }
            try emit(options.json, text: lines.isEmpty ? "no parked records" : lines.joined(separator: "\n"),
                     object: ["dead_letters": DeadLetters.describe(pending)])
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send parked records back to their original topic (consumers drop repeats by event id), then mark them reviewed.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var selection: Selection

        func run() async throws {
            let replayed = try await withKafkaAdmin { admin, configuration in
                let pending = try await DeadLetters.pending(selection, admin: admin)
                let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: configuration.kafka), logger: Logger(label: "hotlinectl"))
                return try await withThrowingTaskGroup(of: Int?.self) { group in
                    group.addTask { try await producer.run(); return nil }
                    var count = 0
                    for (topic, letters) in pending {
                        let messages = letters.compactMap { letter -> KafkaProducerMessage? in
                            guard let original = letter.originalTopic else { return nil }
                            return KafkaProducerMessage(topic: original, key: letter.message.key, value: letter.message.value,
                                                        headers: letter.message.headers.filter { !$0.key.hasPrefix("dlq.") })
                        }
                        _ = try await producer.sendInOrder(messages)
                        try await admin.markReviewed(letters, topic: topic, reviewGroup: DeadLetters.reviewGroup)
                        count += messages.count
                    }
                    group.cancelAll()
                    return count
                }
            }
            try emit(options.json, text: "replayed \(replayed) records", object: ["replayed": replayed])
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark parked records reviewed without replaying them.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var selection: Selection

        func run() async throws {
            let purged = try await withKafkaAdmin { admin, _ in
                let pending = try await DeadLetters.pending(selection, admin: admin)
                for (topic, letters) in pending { try await admin.markReviewed(letters, topic: topic, reviewGroup: DeadLetters.reviewGroup) }
                return pending.reduce(0) { $0 + $1.1.count }
            }
            try emit(options.json, text: "purged \(purged) records", object: ["purged": purged])
        }
    }
}
