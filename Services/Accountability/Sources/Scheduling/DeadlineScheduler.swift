import Logging
import ServiceLifecycle

/// Checks deadlines and survey schedules every interval. State lives in PostgreSQL, so a restart
/// loses nothing, and row locks make each escalation happen once however many replicas run.
package struct DeadlineScheduler: Service {
    let desk: CaseDesk
    let interval: Duration
    let logger: Logger

    package init(desk: CaseDesk, interval: Duration, logger: Logger) {
        self.desk = desk
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await desk.escalateOverdue()
                try await desk.runSurveys()
            } catch {
                logger.warning("scheduler pass failed; retrying next tick", metadata: ["error": "\(String(reflecting: error))"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
