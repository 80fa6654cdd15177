import Foundation
import HotlineDomain
import HotlineKafka
import Logging
import NIOCore
import PostgresNIO

/// A record waiting in a service's outbox for the relay to publish.
public struct OutboxEvent: Sendable {
    public var eventID: String
    public var topic: String
    public var key: String
    public var payload: [UInt8]
    public var headers: [String: String]

    public init(eventID: String, topic: String, key: String, payload: [UInt8], headers: [String: String] = [:]) {
        self.eventID = eventID
        self.topic = topic
        self.key = key
        self.payload = payload
        self.headers = headers
    }

    /// Wraps `payload` in a CloudEvents envelope keyed for ordering by `key`.
    public static func envelope<P: Codable & Sendable>(
        topic: String, key: String, source: String, type: String, subject: String? = nil, time: Date = Date(), data: P
    ) throws -> OutboxEvent {
        let envelope = EventEnvelope(source: source, type: type, time: time, subject: subject, data: data)
        return OutboxEvent(
            eventID: envelope.id, topic: topic, key: key, payload: try EventCoding.encode(envelope),
            headers: ["ce_type": type, "ce_id": envelope.id])
    }
}

/// An outbox row's column values, for statements that write the row themselves.
public struct OutboxRow: Sendable {
    public var eventID: String
    public var topic: String
    public var key: ByteBuffer
    public var payload: ByteBuffer
    /// JSON text, cast to `jsonb` by the statement.
    public var headers: String
}

extension OutboxEvent {
    public func outboxRow() -> OutboxRow {
        OutboxRow(eventID: eventID, topic: topic, key: ByteBuffer(string: key), payload: ByteBuffer(bytes: payload),
                  headers: Self.headersJSON(headers))
    }

    /// A flat JSON object of strings, keys sorted. Written by hand: a `JSONEncoder` per row cost
    /// about 1.5 % of intake's CPU per webhook in a `perf` profile.
    package static func headersJSON(_ headers: [String: String]) -> String {
        JSONWriter.flatObject(headers)
    }
}

/// Writes events into a service's outbox, inside the caller's transaction.
///
/// The event becomes visible to the relay only if the transaction commits, so nothing is ever
/// published for a change that rolled back, and nothing committed is ever left unpublished.
public struct Outbox: Sendable {
    public let schema: DatabaseSchema

    public init(schema: DatabaseSchema) { self.schema = schema }

    public func enqueue(_ event: OutboxEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let row = event.outboxRow()
        try await connection.query("""
            INSERT INTO \(unescaped: schema.name).outbox (event_id, topic, message_key, payload, headers)
            VALUES (\(row.eventID), \(row.topic), \(row.key), \(row.payload), \(row.headers)::jsonb)
            """, logger: logger)
    }

    /// Several events in one statement, in order (the relay publishes by insertion order).
    public func enqueue(_ events: [OutboxEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard events.count > 1 else {
            if let event = events.first { try await enqueue(event, on: connection, logger: logger) }
            return
        }
        let rows = events.map { $0.outboxRow() }
        try await connection.query("""
            INSERT INTO \(unescaped: schema.name).outbox (event_id, topic, message_key, payload, headers)
            SELECT e.event_id, e.topic, e.message_key, e.payload, e.headers::jsonb
            FROM unnest(\(rows.map(\.eventID))::text[], \(rows.map(\.topic))::text[], \(rows.map(\.key))::bytea[],
                        \(rows.map(\.payload))::bytea[], \(rows.map(\.headers))::text[])
                 WITH ORDINALITY AS e(event_id, topic, message_key, payload, headers, position)
            ORDER BY e.position
            """, logger: logger)
    }

    /// Is any committed row waiting to be published? One look on the unpublished rows' index.
    public func hasUnpublished(client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.query(
            "SELECT EXISTS (SELECT 1 FROM \(unescaped: schema.name).outbox WHERE published_at IS NULL)", logger: logger)
        for try await waiting in rows.decode(Bool.self) { return waiting }
        return false
    }

    /// Rows committed but not yet published.
    public func backlog(client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await client.query(
            "SELECT count(*) FROM \(unescaped: schema.name).outbox WHERE published_at IS NULL", logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}

/// Remembers which events a consumer has already applied, inside the consumer's transaction.
public struct Inbox: Sendable {
    public let schema: DatabaseSchema
    public let consumer: String

    public init(schema: DatabaseSchema, consumer: String) {
        self.schema = schema
        self.consumer = consumer
    }

    /// Returns true the first time an event is seen; false for a redelivery, whose work must be skipped.
    public func markProcessed(eventID: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO \(unescaped: schema.name).inbox (consumer, event_id) VALUES (\(consumer), \(eventID))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// The ids among `eventIDs` seen for the first time, in one statement for a whole lane.
    /// An id given twice is returned once: take it with `remove` so only its first record acts.
    public func markProcessed(eventIDs: [String], on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        guard eventIDs.count > 1 else {
            guard let eventID = eventIDs.first else { return [] }
            return try await markProcessed(eventID: eventID, on: connection, logger: logger) ? [eventID] : []
        }
        let rows = try await connection.query("""
            INSERT INTO \(unescaped: schema.name).inbox (consumer, event_id) SELECT \(consumer), e FROM unnest(\(eventIDs)::text[]) AS e
            ON CONFLICT DO NOTHING RETURNING event_id
            """, logger: logger)
        var fresh = Set<String>()
        for try await eventID in rows.decode(String.self) { fresh.insert(eventID) }
        return fresh
    }
}
