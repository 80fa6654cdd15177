/// Connection settings shared by producers, consumers and the topic administrator.
public struct KafkaClientConfiguration: Sendable {
    /// `host:port` pairs, comma-separated as librdkafka expects.
    public var bootstrapServers: String = "127.0.0.1:9092"
    public var clientID: String = "hotline"
    /// Extra librdkafka properties (`security.protocol`, `sasl.*`, …) passed through unchanged.
    public var additionalProperties: [String: String] = [:]

    public init(bootstrapServers: String = "127.0.0.1:9092", clientID: String = "hotline") {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
    }

    var properties: [String: String] {
        var properties = ["bootstrap.servers": bootstrapServers, "client.id": clientID]
        properties.merge(additionalProperties) { _, custom in custom }
        return properties
    }
}

public struct KafkaProducerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// How long librdkafka keeps retrying one message before reporting it failed.
    public var messageTimeoutMilliseconds: Int = 30_000
    /// How long a graceful shutdown waits for outstanding deliveries.
    public var flushTimeoutMilliseconds: Int = 10_000
    public var lingerMilliseconds: Int = 2

    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    var properties: [String: String] {
        var properties = client.properties
        // Idempotence with acks=all: broker-side retries never duplicate or reorder a partition.
        properties["enable.idempotence"] = "true"
        properties["acks"] = "all"
        properties["message.timeout.ms"] = String(messageTimeoutMilliseconds)
        properties["linger.ms"] = String(lingerMilliseconds)
        properties.merge(client.additionalProperties) { _, custom in custom }
        return properties
    }
}

public struct KafkaConsumerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    public var groupID: String
    public var topics: [String]
    /// Kept short for local brokers: Tansu holds a JoinGroup for about half of this.
    public var sessionTimeoutMilliseconds: Int = 6_000
    /// Where a new group starts reading.
    public var autoOffsetReset: String = "earliest"
    /// Upper bound on one poll's wait, which bounds how quickly shutdown is noticed.
    public var pollTimeoutMilliseconds: Int32 = 100
    /// How long shutdown waits for the caller to finish the record in hand.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Bounds librdkafka's local prefetch queue. Its defaults (100,000 records, 64 MiB per
    /// consumer) made a lagging service's resident memory grow with its backlog. With 1,000
    /// records per partition and 4 MiB, notification (18 partitions over three topics) still
    /// peaked at 89.0 MiB in a 1,000 reports/s overload, 71.2 MiB with these; the consume rate
    /// was the same (0.97–1.0 million records/s, docs/performance-notes.md).
    public var prefetchMaximumKilobytes: Int = 1_024
    public var prefetchMinimumRecords: Int = 250
    /// How long librdkafka waits to fetch again once the prefetch queue was full. Its default
    /// (1,000 ms) paused a consumer for a second every time it caught up with the bounded queue
    /// above: 13,000 records/s at most, whatever the commit pattern. At 5 ms the queue (then 1,000
    /// records per partition) ran dry before the next fetch: 1 ms read a million records about
    /// 18 % faster, with the same peak memory (docs/performance-notes.md). Only a full queue waits.
    public var fetchQueueBackoffMilliseconds: Int = 1
    /// How long the broker may hold a fetch that found nothing new. Tansu answers such a fetch
    /// only when this runs out, not when a record arrives, so librdkafka's 500 ms default added
    /// up to half a second per hop: webhook-to-SMS p50 was 316 ms at 50 reports/s, 121 ms with 20.
    /// On Apache Kafka, which answers at once, it only sets how often an idle consumer asks.
    public var fetchWaitMaxMilliseconds: Int = 20

    public init(client: KafkaClientConfiguration, groupID: String, topics: [String]) {
        self.client = client
        self.groupID = groupID
        self.topics = topics
    }

    var properties: [String: String] {
        var properties = client.properties
        properties["group.id"] = groupID
        // Offsets are committed explicitly, only after the handler's work is durable.
        properties["enable.auto.commit"] = "false"
        properties["enable.auto.offset.store"] = "false"
        properties["auto.offset.reset"] = autoOffsetReset
        properties["session.timeout.ms"] = String(sessionTimeoutMilliseconds)
        // A restarted broker may have lost topics; notice their return within seconds.
        properties["topic.metadata.refresh.interval.ms"] = "10000"
        properties["heartbeat.interval.ms"] = String(max(500, sessionTimeoutMilliseconds / 3))
        properties["queued.max.messages.kbytes"] = String(prefetchMaximumKilobytes)
        properties["queued.min.messages"] = String(prefetchMinimumRecords)
        properties["fetch.queue.backoff.ms"] = String(fetchQueueBackoffMilliseconds)
        properties["fetch.wait.max.ms"] = String(fetchWaitMaxMilliseconds)
        properties.merge(client.additionalProperties) { _, custom in custom }
        return properties
    }
}

/// A topic to create at start-up.
public struct TopicSpecification: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    public var configuration: [String: String]

    public init(name: String, partitions: Int32 = 6, replicationFactor: Int32 = 1, configuration: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configuration = configuration
    }
}
