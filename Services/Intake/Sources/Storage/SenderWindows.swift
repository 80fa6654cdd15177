import HotlineRuntime
import HotlineStorage
import Logging
import PostgresNIO
import ServiceLifecycle

/// The per-sender hourly limit counts in clock-hour windows, and judges a sender by a sliding
/// hour: this window's count plus the previous window's, weighted by the part of it still inside
/// the last 60 minutes. A fixed window alone let a sender send twice the limit across an hour's turn.
/// PL/pgSQL, not SQL: a SQL function with a sub-select is not inlined and is planned again on every
/// call, where PL/pgSQL keeps its query's plan for the connection.
extension IntakeMigrations {
    static let slidingSenderWindow = Migration(version: 5, name: "sliding sender window", statements: [
        """
        CREATE FUNCTION intake.sender_over_limit(sender text, current_count integer, hourly_limit bigint)
        RETURNS boolean LANGUAGE plpgsql STABLE AS $$
        DECLARE
            previous integer;
        BEGIN
            SELECT w.count INTO previous FROM intake.sender_windows w
            WHERE w.pseudonym = sender AND w.window_start = date_trunc('hour', now()) - interval '1 hour';
            RETURN current_count + coalesce(previous, 0)
                * (1 - extract(epoch FROM now() - date_trunc('hour', now())) / 3600) > hourly_limit;
        END
        $$
        """,
    ])
}

/// Deletes windows the sliding hour no longer reads: without it the table keeps a row per sender
/// and active hour for ever. Every replica may run it; the deletes are idempotent. No index on
/// `window_start`: swept, the table holds about two hours of senders, and a sequential scan every
/// ten minutes is cheaper than one more index entry for every sender's first message of an hour.
package struct SenderWindowSweeper: Service {
    let postgres: PostgresClient
    let interval: Duration
    let logger: Logger

    package init(postgres: PostgresClient, interval: Duration, logger: Logger) {
        self.postgres = postgres
        self.interval = interval
        self.logger = logger
    }

    package func run() async {
        await repeatPeriodically(every: interval, firstPass: .afterOneInterval, logger: logger,
                                 failure: "sender window sweep failed; retrying next tick") { try await sweep() }
    }

    package func sweep() async throws {
        try await postgres.query(
            "DELETE FROM intake.sender_windows WHERE window_start < date_trunc('hour', now()) - interval '1 hour'", logger: logger)
    }
}
