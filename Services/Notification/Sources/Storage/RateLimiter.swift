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
        case granted
        /// No token yet; one will be there after this long.
        case wait(Duration)
    }

    func take(logger: Logger) async throws -> Outcome {
        for _ in 0..<2 {
            // Every SET expression sees the row as it was, so `granted` and `tokens` agree; the
            // statement's own timestamp keeps the three readings of the clock identical.
            let rows = try await postgres.query("""
                UPDATE notification.rate_buckets
                SET granted = LEAST(\(burst)::float8, tokens + GREATEST(0, EXTRACT(EPOCH FROM (statement_timestamp() - refilled_at))::float8) * \(rate)::float8) >= 1,
                    tokens = LEAST(\(burst)::float8, tokens + GREATEST(0, EXTRACT(EPOCH FROM (statement_timestamp() - refilled_at))::float8) * \(rate)::float8)
                        - CASE WHEN LEAST(\(burst)::float8, tokens + GREATEST(0, EXTRACT(EPOCH FROM (statement_timestamp() - refilled_at))::float8) * \(rate)::float8) >= 1
                          THEN 1 ELSE 0 END,
                    refilled_at = GREATEST(refilled_at, statement_timestamp())
                WHERE provider = \(provider) AND sender = \(sender)
                RETURNING granted, tokens
                """, logger: logger)
            for try await (granted, tokens) in rows.decode((Bool, Double).self) {
                if granted { return .granted }
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

    /// Gives back a token taken for nothing (the message turned out to be suppressed or unsendable).
    func refund(logger: Logger) async throws {
        try await postgres.query("""
            UPDATE notification.rate_buckets SET tokens = LEAST(\(burst)::float8, tokens + 1)
            WHERE provider = \(provider) AND sender = \(sender)
            """, logger: logger)
    }
}
