import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging

/// Builds the intake service: the public door through which reports enter the system.
public func buildIntakeApplication(configuration: ServiceConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .intake, migrations: IntakeMigrations.all, logger: logger)
    let router = runtime.router()
    let repository = PostgresReportRepository(postgres: runtime.postgres, outbox: runtime.outbox)
    ReportsController(repository: repository).addRoutes(to: router.group("v1"))
    return runtime.makeApplication(router: router)
}

enum IntakeMigrations {
    static let all: [Migration] = [
        .messaging(schema: .intake, version: 1),
        Migration(version: 2, name: "reports", statements: [
            """
            CREATE TABLE intake.reports (
                report_id uuid PRIMARY KEY,
                reference_code text NOT NULL UNIQUE,
                channel text NOT NULL,
                language text NOT NULL,
                text text NOT NULL,
                location_hint text,
                received_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX reports_received_at ON intake.reports (received_at)",
        ]),
    ]
}
