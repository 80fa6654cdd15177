import HotlineDomain
import HotlineKafka
import HotlineReference
import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the accountability service: opens a case for each routed event, applies responders'
/// SMS commands, runs the deadline scheduler, and serves the coordinators' API.
public func buildAccountabilityApplication(
    configuration: ServiceConfiguration, environment: inout EnvironmentReader, logger: Logger
) throws -> some ApplicationProtocol {
    try buildAccountabilityApplication(configuration: configuration, settings: .fromEnvironment(&environment),
                                       clock: SystemCaseClock(), logger: logger)
}

package func buildAccountabilityApplication(
    configuration: ServiceConfiguration, settings: AccountabilitySettings, clock: any CaseClock, logger: Logger
) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .accountability, migrations: AccountabilityMigrations.all, logger: logger,
        sharedSchemas: [(ReferenceStore.schema, ReferenceStore.migrations), (AccessStore.schema, AccessStore.migrations)])
    let directory = DirectoryCache(store: ReferenceStore(postgres: runtime.postgres), deadlines: settings.deadlines,
                                   refreshInterval: .seconds(settings.referenceRefreshSeconds))
    let desk = CaseDesk(postgres: runtime.postgres, outbox: runtime.outbox, directory: directory, clock: clock,
                        settings: settings, logger: logger)

    let consumer = try runtime.makeConsumer(groupID: "hotline-accountability", topics: [Topic.casesRouted, Topic.commandsReceived])
    let worker = runtime.makeWorker(consumer: consumer, laneHandler: { try await AccountabilityMessages.handle(lane: $0, desk: desk) }) { message in
        try await AccountabilityMessages.handle(message, desk: desk)
    }
    let scheduler = DeadlineScheduler(desk: desk, interval: settings.schedulerInterval, logger: logger)

    let router = runtime.router()
    CasesController(desk: desk, queries: PostgresCaseQueries(postgres: runtime.postgres), access: AccessStore(postgres: runtime.postgres))
        .addRoutes(to: router.group("v1"))
    // Nothing is decided before the directory of committees and members is loaded.
    return runtime.makeApplication(router: router, services: [
        consumer,
        PreconditionGatedService(services: [worker, runtime.afterStartup(scheduler)]) { try await directory.waitUntilLoaded(logger: logger) },
    ])
}

/// Decodes a record from either topic and hands it to the desk.
enum AccountabilityMessages {
    static func handle(_ message: KafkaConsumerMessage, desk: CaseDesk) async throws {
        guard let type = message.headers.first(where: { $0.key == "ce_type" })?.stringValue
                ?? (try? EventCoding.header(from: message.value).type) else {
            throw PermanentHandlerError("\(message.topic) record is not a CloudEvents envelope")
        }
        do {
            switch type {
            case CaseRouted.eventType:
                try await desk.open(try EventCoding.decode(CaseRouted.self, from: message.value))
            case CommandReceived.eventType:
                try await desk.handle(try EventCoding.decode(CommandReceived.self, from: message.value))
            default:
                throw PermanentHandlerError("unsupported event type \(type) on \(message.topic)")
            }
        } catch let error as DecodingError {
            throw PermanentHandlerError("undecodable \(message.topic) record: \(error)")
        }
    }

    /// Routed cases of one partition are opened in one transaction; commands go one by one.
    static func handle(lane messages: [KafkaConsumerMessage], desk: CaseDesk) async throws -> Bool {
        let routed = messages.allSatisfy { message in
            message.topic == Topic.casesRouted && message.headers.first { $0.key == "ce_type" }?.stringValue == CaseRouted.eventType
        }
        guard routed else { return false }
        do {
            try await desk.open(try messages.map { try EventCoding.decode(CaseRouted.self, from: $0.value) })
        } catch let error as DecodingError {
            throw PermanentHandlerError("undecodable \(messages[0].topic) record: \(error)")
        }
        return true
    }
}
