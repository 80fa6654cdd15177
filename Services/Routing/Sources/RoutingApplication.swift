import Foundation
import HotlineDomain
import HotlineReference
import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// Routing's own settings (see the README's table).
public struct RoutingConfiguration: Sendable {
    /// The deployment's country: places are searched there first, and unknown places route to it.
    public var country: String = "ML"
    /// Where targets' `active_hours` are read.
    public var localTimeZone: TimeZone = TargetHours.defaultTimeZone
    public var referenceRefreshSeconds: Int = 60

    public init() {}

    public static func fromEnvironment(_ reader: inout EnvironmentReader) -> RoutingConfiguration {
        var configuration = RoutingConfiguration()
        configuration.country = reader.string("HOTLINE_COUNTRY", default: "ML")
        configuration.localTimeZone = reader.timeZone("HOTLINE_LOCAL_TIME_ZONE", default: TargetHours.defaultTimeZone)
        configuration.referenceRefreshSeconds = reader.int("HOTLINE_REFERENCE_REFRESH_SECONDS", default: 60)
        return configuration
    }
}

/// Builds the routing service: understands each report and sends it to the right targets.
public func buildRoutingApplication(
    configuration: ServiceConfiguration, routing: RoutingConfiguration = RoutingConfiguration(), logger: Logger
) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .routing, migrations: RoutingMigrations.all, logger: logger,
        sharedSchemas: [(ReferenceStore.schema, ReferenceStore.migrations)])
    let references = ReferenceCache(
        store: ReferenceStore(postgres: runtime.postgres), country: routing.country, timeZone: routing.localTimeZone,
        refreshInterval: .seconds(routing.referenceRefreshSeconds))
    let consumer = try runtime.makeConsumer(groupID: "hotline-routing", topics: [Topic.reportsReceived])
    let handler = CaseRoutingHandler(postgres: runtime.postgres, outbox: runtime.outbox, references: references, logger: logger)
    let worker = runtime.makeWorker(consumer: consumer, laneHandler: { try await handler.handle(lane: $0); return true }) { message in
        try await handler.handle(message)
    }
    // No report is consumed before reference data is there to route it.
    let gatedWorker = PreconditionGatedService(services: [worker]) { try await references.waitUntilLoaded(logger: logger) }
    return runtime.makeApplication(router: runtime.router(), services: [consumer, gatedWorker])
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
        Migration(version: 3, name: "routing decisions", statements: [
            """
            ALTER TABLE routing.cases
                ADD COLUMN primary_category text,
                ADD COLUMN priority text,
                ADD COLUMN categories jsonb,
                ADD COLUMN place_code text,
                ADD COLUMN place_level text,
                ADD COLUMN place_ambiguous boolean NOT NULL DEFAULT false,
                ADD COLUMN targets jsonb,
                ADD COLUMN rule_reason text,
                ADD COLUMN text text,
                ADD COLUMN text_restricted boolean NOT NULL DEFAULT false,
                ADD COLUMN reporter_pseudonym text
            """,
            """
            CREATE TABLE routing.case_targets (
                case_id uuid NOT NULL REFERENCES routing.cases (case_id),
                target_code text NOT NULL,
                target_type text NOT NULL,
                role text NOT NULL,
                restricted boolean NOT NULL,
                PRIMARY KEY (case_id, target_code)
            )
            """,
            "CREATE INDEX case_targets_target ON routing.case_targets (target_code)",
        ]),
    ]
}
