import HotlineConcurrency
import NIOCore
import PostgresNIO

/// Connection-level failures; a SQL error caused by a bug is not one of them.
public func isDatabaseUnavailable(_ error: any Error) -> Bool {
    if let error = error as? PostgresTransactionError {
        let causes: [(any Error)?] = [error.beginError, error.closureError, error.commitError]
        return causes.contains { $0.map(isDatabaseUnavailable) ?? false }
    }
    if let error = error as? PSQLError {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed,
             .queryCancelled, .tooManyParameters:
            return error.code != .tooManyParameters
        case .server:
            // Class 08 (connection exception), 57 (operator intervention: shutdown), 53 (resources).
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53")
        default:
            return false
        }
    }
    if error is CancellationError || error is ChannelError || error is IOError || error is DeadlineExceeded
        || error is LeasedConnectionClosed || error is GroupCommitUnavailable { return true }
    // PostgresNIO's pool error lives in a module it does not export; when the database stays
    // unreachable the pool trips a circuit breaker and fails leases with it.
    return String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
}
