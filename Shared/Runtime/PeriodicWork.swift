import Logging
import ServiceLifecycle

/// When the first pass of periodic work runs.
package enum FirstPass: Sendable {
    case immediately
    /// After one interval: at start-up another replica may not have run the migrations yet.
    case afterOneInterval
}

/// Runs `pass` every `interval` until cancelled or shut down gracefully; a shutdown cuts the wait
/// short, never a pass. A failed pass is logged and tried again at the next tick: the work this is
/// for keeps its state in PostgreSQL, so a missed pass is late, not lost.
package func repeatPeriodically(
    every interval: Duration, firstPass: FirstPass = .immediately, logger: Logger, failure: Logger.Message,
    _ pass: @Sendable () async throws -> Void
) async {
    if firstPass == .afterOneInterval, !(await waitUnlessShuttingDown(interval)) { return }
    while !Task.isCancelled, !Task.isShuttingDownGracefully {
        do {
            try await pass()
        } catch {
            logger.warning(failure, metadata: ["error": "\(String(reflecting: error))"])
        }
        guard await waitUnlessShuttingDown(interval) else { return }
    }
}

/// false when the wait ended because of cancellation or graceful shutdown.
private func waitUnlessShuttingDown(_ interval: Duration) async -> Bool {
    do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        return !Task.isShuttingDownGracefully
    } catch {
        return false
    }
}
