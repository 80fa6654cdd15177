import HotlineRuntime
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

    package func run() async {
        await repeatPeriodically(every: interval, logger: logger, failure: "scheduler pass failed; retrying next tick") {
            try await desk.escalateOverdue()
            try await desk.runSurveys()
        }
    }
}
