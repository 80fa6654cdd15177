import Logging
import PostgresNIO

/// Keeps batch reads of queue tables (outboxes, notifications due) on their ordered index.
///
/// A queue table swings from empty to thousands of rows faster than autovacuum's ANALYZE follows.
/// On a stale estimate of a few rows, PostgreSQL reads the whole backlog through a bitmap scan and
/// sorts it to return one batch: every batch then costs the size of the backlog, exactly when
/// there is a backlog (measured: 23 ms to return 500 of 2,292 outbox rows, 27 ms to claim 64 of
/// 1,462 due messages). Switched off for the current transaction only, the ordered index scan is
/// the planner's one choice, and a batch reads about its own size.
package enum QueueScan {
    /// A condition, true once it has switched the two plans off until the transaction ends; joined
    /// with `AND` to a statement the transaction runs first, so the switch costs no round trip.
    package static let orderedIndexOnly =
        "(set_config('enable_bitmapscan', 'off', true) = 'off' AND set_config('enable_seqscan', 'off', true) = 'off')"

    /// The switch as a statement of its own, for a transaction with no earlier statement to carry it.
    package static func preferOrderedIndex(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT \(unescaped: orderedIndexOnly)", logger: logger)
    }
}
