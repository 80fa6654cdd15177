import HotlineDomain
import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging

/// Builds the routing service: consumes received reports and records each as a routed case.
public func buildRoutingApplication(configuration: ServiceConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .routing, migrations: RoutingMigrations.all, logger: logger)
    let consumer = try runtime.makeConsumer(groupID: "hotline-routing", topics: [Topic.reportsReceived])
    let recorder = ReceivedReportRecorder(postgres: runtime.postgres, logger: logger)
    let worker = runtime.makeWorker(consumer: consumer) { message in
        try await recorder.handle(message)
    }
    return runtime.makeApplication(router: runtime.router(), services: [consumer, worker])
}

enum RoutingMigrations {
    static let all: [Migration] = [
        .messaging(schema: .routing, version: 1),
        Migration(version: 2, name: "cases", statements: [
            """
            CREATE TABLE routing.cases (
                case_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                report_id uuid NOT NULL UNIQUE,
                reference_code text NOT NULL UNIQUE,
                source_event_id text NOT NULL,
                channel text NOT NULL,
                language text NOT NULL,
                received_at timestamptz NOT NULL,
                routed_at timestamptz NOT NULL DEFAULT now(),
                rule text NOT NULL,
                target text NOT NULL
            )
            """,
        ]),
    ]
}
