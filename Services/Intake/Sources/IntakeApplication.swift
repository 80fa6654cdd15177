import Foundation
import HotlinePrivacy
import HotlineReference
import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging

/// Builds the intake service: the public door through which reports enter the system.
public func buildIntakeApplication(
    configuration: ServiceConfiguration, intake: IntakeConfiguration = IntakeConfiguration(), logger: Logger
) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .intake, migrations: IntakeMigrations.all, logger: logger,
        sharedSchemas: [(AccessStore.schema, AccessStore.migrations), (ReferenceStore.schema, ReferenceStore.migrations)])
    let sweeper = SenderWindowSweeper(postgres: runtime.postgres, interval: .seconds(600), logger: logger)
    let repository = PostgresIntakeRepository(runtime: runtime, intake: intake, logger: logger)
    return runtime.makeApplication(
        router: try buildIntakeRouter(runtime: runtime, intake: intake, repository: repository),
        services: [repository.newReports, sweeper])
}

/// Intake's routes: health, metrics and the OpenAPI document, then every enabled channel.
func buildIntakeRouter(
    runtime: ServiceRuntime, intake: IntakeConfiguration, repository: any IntakeRepository
) throws -> Router<HotlineRequestContext> {
    let router = runtime.router()
    try OpenAPIController(enabledGateways: intake.enabledGateways).addRoutes(to: router)
    let protector = PIIProtector(keyring: intake.keyring)
    let sms = InboundSMSHandler(repository: repository, protector: protector, defaultCountryCode: intake.defaultCountryCode)
    let v1 = router.group("v1")
    OperatorReportsController(
        repository: repository, access: AccessStore(postgres: runtime.postgres), protector: protector,
        defaultCountryCode: intake.defaultCountryCode
    ).addRoutes(to: v1)
    if intake.enabledGateways.contains(.africastalking) {
        AfricasTalkingController(
            sms: sms, repository: repository, configuration: intake,
            ussd: USSDController(
                sessions: PostgresUSSDSessionStore(postgres: runtime.postgres, lifetimeSeconds: intake.ussdSessionLifetimeSeconds),
                gazetteer: GazetteerCache(store: ReferenceStore(postgres: runtime.postgres)),
                repository: repository, protector: protector, configuration: intake)
        ).addRoutes(to: v1.group("inbound/africastalking"))
    }
    if intake.enabledGateways.contains(.twilio) {
        TwilioController(sms: sms, repository: repository, configuration: intake).addRoutes(to: v1.group("inbound/twilio"))
    }
    if intake.enabledGateways.contains(.generic) {
        GenericRelayController(sms: sms, configuration: intake).addRoutes(to: v1.group("inbound/generic"))
    }
    return router
}

/// The routed operations as "METHOD /path", for tests that compare them with the OpenAPI document.
/// The router is built and dropped: nothing runs its group committer.
package func intakeRoutedOperations(runtime: ServiceRuntime, intake: IntakeConfiguration) throws -> Set<String> {
    let repository = PostgresIntakeRepository(runtime: runtime, intake: intake, logger: runtime.logger)
    let router = try buildIntakeRouter(runtime: runtime, intake: intake, repository: repository)
    return Set(router.routes.map { route in
        let path = route.path.description
        return "\(route.method.rawValue) \(path.hasPrefix("/") ? path : "/" + path)"
    })
}

/// The OpenAPI document as served, for tests that compare it with the routes.
package func intakeOpenAPIDocument(enabledGateways: Set<IntakeConfiguration.Gateway>) throws -> Data {
    try OpenAPIController.document(enabledGateways: enabledGateways)
}

public enum IntakeMigrations {
    public static let all: [Migration] = [
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
        Migration(version: 3, name: "gateways, idempotency, reporter privacy, USSD sessions", statements: [
            """
            ALTER TABLE intake.reports
                ADD COLUMN reporter_pseudonym text,
                ADD COLUMN reporter_key_id text,
                ADD COLUMN reporter_ciphertext text,
                ADD COLUMN category_hint text,
                ADD COLUMN place_code text
            """,
            "CREATE INDEX reports_reporter ON intake.reports (reporter_pseudonym) WHERE reporter_pseudonym IS NOT NULL",
            """
            CREATE TABLE intake.inbound_messages (
                channel text NOT NULL,
                gateway_message_id text NOT NULL,
                request_hash text,
                sender_pseudonym text,
                kind text NOT NULL,
                report_id uuid,
                reference_code text,
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (channel, gateway_message_id)
            )
            """,
            """
            CREATE TABLE intake.sender_windows (
                pseudonym text NOT NULL,
                window_start timestamptz NOT NULL,
                count integer NOT NULL,
                PRIMARY KEY (pseudonym, window_start)
            )
            """,
            """
            CREATE TABLE intake.ussd_sessions (
                session_id text PRIMARY KEY,
                sender_pseudonym text NOT NULL,
                state jsonb NOT NULL,
                last_text text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX ussd_sessions_expiry ON intake.ussd_sessions (expires_at)",
        ]),
        fallBackFunction,
        slidingSenderWindow,
        groupCommit,
    ]
}
