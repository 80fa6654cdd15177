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
            return try await withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            if let beginError = error.beginError { throw beginError }
            throw error
        }
    }
}
