import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction and rethrows the body's own error as it was thrown.
    ///
    /// PostgresNIO wraps every failure in `PostgresTransactionError`; callers that decide what
    /// to answer (a 422, a 503) need the domain error underneath. A failed rollback or commit
    /// is still reported wrapped, since the outcome is then genuinely unknown.
    public func inTransaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await withOpenConnection { connection in
                try await connection.withTransaction(logger: logger, body)
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            if let beginError = error.beginError { throw beginError }
            throw error
        }
    }
}

/// The pool handed out a connection the server had already closed; retry on another.
public struct LeasedConnectionClosed: Error, Sendable {}

extension PostgresClient {
    /// Leases a connection and refuses it if it is already closed.
    ///
    /// The pool learns of a closed connection asynchronously, so right after a database restart
    /// it can lease one; PostgresNIO 1.33 may then never answer a query written to it. Checking
    /// first narrows that window to almost nothing; `withDeadline` covers what remains.
    public func withOpenConnection<Result: Sendable>(
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await withConnection { connection in
            guard !connection.isClosed else { throw LeasedConnectionClosed() }
            return try await body(connection)
        }
    }
}
