import Foundation
import Logging
import PostgresNIO

/// A token bucket per (provider, sender) kept in PostgreSQL, so the limit holds across every
/// replica and dispatcher loop: each take is one atomic `UPDATE` of the bucket's row, refilled
/// by the database clock at `rate` tokens a second up to `burst`.
struct RateLimiter: Sendable {
    let postgres: PostgresClient
    let provider: String
    let sender: String
    let rate: Double
    let burst: Double

    enum Outcome: Sendable, Equatable {
        /// This many tokens (at least one) are now the caller's to spend.
        case granted(Int)
        /// No token yet; one will be there after this long.
        case wait(Duration)
    }

    /// Takes up to `wanted` tokens at once, so a busy dispatcher touches the shared row once per
    /// batch rather than once per message.
    func take(upTo wanted: Int = 1, logger: Logger) async throws -> Outcome {
        let wanted = Double(max(1, wanted))
        for _ in 0..<2 {
            // Every SET expression sees the row as it was, so `granted` and `tokens` agree; the
            // statement's own timestamp keeps the readings of the clock identical.
            let taken = try await postgres.withOpenConnection { connection -> (Int, Double)? in
                let rows = try await connection.query("""
                    WITH bucket AS (
                        SELECT provider, sender, LEAST(\(burst)::float8,
                            tokens + GREATEST(0, EXTRACT(EPOCH FROM (statement_timestamp() - refilled_at))::float8) * \(rate)::float8) AS available
                        FROM notification.rate_buckets
                        WHERE provider = \(provider) AND sender = \(sender)
                        FOR UPDATE
                    )
                    UPDATE notification.rate_buckets AS b
                    SET granted = bucket.available >= 1,
                        tokens = bucket.available - LEAST(\(wanted)::float8, GREATEST(0, floor(bucket.available))),
                        refilled_at = GREATEST(b.refilled_at, statement_timestamp())
                    FROM bucket
                    WHERE b.provider = bucket.provider AND b.sender = bucket.sender
                    RETURNING LEAST(\(wanted)::float8, GREATEST(0, floor(bucket.available)))::int, b.tokens
                    """, logger: logger)
                var taken: (Int, Double)?
                for try await row in rows.decode((Int, Double).self) { taken = row }
                return taken
            }
            if let (granted, tokens) = taken {
                if granted > 0 { return .granted(granted) }
                let seconds = max(0.001, (1 - tokens) / rate)
                return .wait(.milliseconds(Int64((seconds * 1000).rounded(.up))))
            }
            try await postgres.query("""
                INSERT INTO notification.rate_buckets (provider, sender, tokens, refilled_at)
                VALUES (\(provider), \(sender), \(burst), clock_timestamp())
                ON CONFLICT (provider, sender) DO NOTHING
                """, logger: logger)
        }
        return .wait(.milliseconds(10))
    }

    /// Gives back tokens taken for nothing (nothing left to claim, a suppressed or unsendable message).
    func refund(_ count: Int = 1, logger: Logger) async throws {
        guard count > 0 else { return }
        try await postgres.query("""
            UPDATE notification.rate_buckets SET tokens = LEAST(\(burst)::float8, tokens + \(Double(count))::float8)
            WHERE provider = \(provider) AND sender = \(sender)
            """, logger: logger)
    }
}
