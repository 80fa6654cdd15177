import HotlineConcurrency
import Foundation
import HotlineKafka
import Logging
import Metrics
import NIOCore
import PostgresNIO
import ServiceLifecycle

public struct OutboxRelayConfiguration: Sendable {
    public var batchSize: Int = 500
    /// How often an idle relay looks for new rows.
    public var pollInterval: Duration = .milliseconds(20)
    /// Longest wait between attempts while the broker or database is down.
    public var maxBackoff: Duration = .seconds(5)
    /// Longest one batch may take (database lease, broker acknowledgements, deleting or marking rows);
    /// past it the attempt is abandoned, logged and retried rather than waited on for ever.
    public var batchDeadline: Duration = .seconds(45)
    /// Zero: a row is deleted once the broker acknowledged it. Otherwise it is marked published
    /// and kept this long for inspection, at the cost of a second full copy of every row.
    public var retainPublished: Duration = .zero

    public init() {}
}

/// Publishes a service's outbox to Kafka, in commit order, and deletes what the broker acknowledged.
///
/// One relay per schema works at a time (a transaction-scoped advisory lock), so order holds with
/// several replicas. Rows leave the backlog only after the broker acknowledged them; a crash in between
/// publishes them again, and consumers drop the repeat by event id. While the broker is down the
/// backlog grows in PostgreSQL and drains when it returns.
///
/// Deleted by default, not marked: an update setting `published_at` writes a second full copy of
/// every row (payload included) and new entries in both unique indexes, because the column is in
/// the partial index's predicate and so the update cannot be HOT. The topic is the record of what
/// was published; `retainPublished` keeps marked rows for inspection when an operator wants them.
public final class OutboxRelay: Service, Sendable {
    private let outbox: Outbox
    private let client: PostgresClient
    private let producer: KafkaProducer
    private let configuration: OutboxRelayConfiguration
    private let logger: Logger

    public init(
        outbox: Outbox, client: PostgresClient, producer: KafkaProducer,
        configuration: OutboxRelayConfiguration = OutboxRelayConfiguration(), logger: Logger
    ) {
        self.outbox = outbox
        self.client = client
        self.producer = producer
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        var failures = 0
        var lastCleanup = ContinuousClock.now
        let backlogGauge = Gauge(label: "hotline_outbox_backlog", dimensions: [("schema", outbox.schema.name)])
        var idle = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let published = try await withDeadline(configuration.batchDeadline) { [idle] in
                    // An idle relay looks first with one statement; a batch is four (BEGIN, the lock,
                    // the read, COMMIT), and most of an idle relay's looks find nothing.
                    if idle, try await !self.outbox.hasUnpublished(client: self.client, logger: self.logger) { return 0 }
                    return try await self.publishBatch()
                }
                idle = published == 0
                failures = 0
                if ContinuousClock.now - lastCleanup > .seconds(60) {
                    lastCleanup = .now
                    try await withDeadline(configuration.batchDeadline) {
                        try await self.deleteRetainedRows()
                        backlogGauge.record(try await self.outbox.backlog(client: self.client, logger: self.logger))
                    }
                }
                if published < configuration.batchSize {
                    try? await Task.sleep(for: configuration.pollInterval)
                }
            } catch {
                failures += 1
                Counter(label: "hotline_outbox_relay_failures_total", dimensions: [("schema", outbox.schema.name)]).increment()
                let backoff = min(configuration.maxBackoff, .milliseconds(100) * (1 << min(failures, 6)))
                logger.warning("outbox relay attempt failed; backlog kept for retry", metadata: [
                    "schema": "\(outbox.schema.name)", "error": "\(String(reflecting: error))", "retry_in": "\(backoff)",
                ])
                try? await Task.sleep(for: backoff)
            }
        }
    }

    /// Publishes up to one batch; returns how many rows it published and deleted.
    func publishBatch() async throws -> Int {
        let schema = outbox.schema.name
        let lockName = "hotline.outbox.\(schema)"
        let limit = configuration.batchSize
        return try await client.inTransaction(logger: logger) { connection in
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(hashtext(\(lockName))) AND \(unescaped: QueueScan.orderedIndexOnly)", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
            guard locked else { return 0 }
            var ids: [Int64] = []
            var messages: [KafkaProducerMessage] = []
            let rows = try await connection.query(Self.batchQuery(schema: schema, limit: limit), logger: logger)
            for try await (id, topic, key, payload, names, values) in rows.decode((Int64, String, ByteBuffer, ByteBuffer, [String], [String]).self) {
                ids.append(id)
                messages.append(KafkaProducerMessage(
                    topic: topic, key: Array(buffer: key), value: Array(buffer: payload),
                    headers: zip(names, values).sorted { $0.0 < $1.0 }.map { KafkaHeader(key: $0.0, string: $0.1) }))
            }
            guard !messages.isEmpty else { return 0 }
            _ = try await producer.sendInOrder(messages)
            if configuration.retainPublished == .zero {
                try await connection.query("DELETE FROM \(unescaped: schema).outbox WHERE id = ANY(\(ids))", logger: logger)
            } else {
                try await connection.query(
                    "UPDATE \(unescaped: schema).outbox SET published_at = now() WHERE id = ANY(\(ids))", logger: logger)
            }
            Counter(label: "hotline_outbox_published_total", dimensions: [("schema", schema)]).increment(by: ids.count)
            return ids.count
        }
    }

    /// The oldest unpublished rows by id, read on the ordered index (``QueueScan``). The headers
    /// come as two arrays, names and values, taken apart by the server: decoding their JSON with a
    /// `JSONDecoder` per row cost about 1.5 % of intake's CPU per webhook in a `perf` profile. A
    /// JSON null (never written, but an array element may not be NULL here) reads as empty.
    package static func batchQuery(schema: String, limit: Int) -> PostgresQuery {
        """
        SELECT o.id, o.topic, o.message_key, o.payload, h.names, h.values FROM \(unescaped: schema).outbox o
        CROSS JOIN LATERAL (
            SELECT coalesce(array_agg(key), '{}'::text[]), coalesce(array_agg(coalesce(value, '')), '{}'::text[]) FROM jsonb_each_text(o.headers)
        ) AS h(names, values)
        WHERE o.published_at IS NULL ORDER BY o.id LIMIT \(limit)
        """
    }

    /// Deletes marked rows older than the retention (all of them once retention is turned off).
    private func deleteRetainedRows() async throws {
        let seconds = Int(configuration.retainPublished.components.seconds)
        try await client.query("""
            DELETE FROM \(unescaped: outbox.schema.name).outbox
            WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => \(seconds))
            """, logger: logger)
    }
}
