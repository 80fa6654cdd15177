import HotlineDomain
import HotlineKafka
import HotlineReference
import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// The warehouse's own settings (see the README's table).
public struct WarehouseSettings: Sendable {
    /// How often the place and target dimensions are refreshed from the stored reference data.
    public var referenceRefreshSeconds: Int = 60
    /// The consumer group; a new group name replays the topics from their start.
    public var consumerGroup: String = "hotline-warehouse"
    public var schemas: WarehouseSchemas = .production

    public init() {}

    public static func fromEnvironment(_ reader: inout EnvironmentReader) -> WarehouseSettings {
        var settings = WarehouseSettings()
        settings.referenceRefreshSeconds = reader.int("HOTLINE_REFERENCE_REFRESH_SECONDS", default: 60)
        settings.consumerGroup = reader.string("HOTLINE_WAREHOUSE_CONSUMER_GROUP", default: "hotline-warehouse")
        return settings
    }

    /// The topics the warehouse loads.
    public static let topics = [Topic.casesRouted, Topic.caseEvents, Topic.notificationStatus]
}

/// Builds the warehouse service: loads routed cases, case events and notification statuses into
/// the star schema continuously, and serves /healthz, /readyz and /metrics.
public func buildWarehouseApplication(
    configuration: ServiceConfiguration, settings: WarehouseSettings = WarehouseSettings(), logger: Logger
) throws -> some ApplicationProtocol {
    let schemas = settings.schemas
    let runners = schemas.migrationRunners
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: schemas.loader, migrations: runners[1].migrations, logger: logger,
        sharedSchemas: [(ReferenceStore.schema, ReferenceStore.migrations), (schemas.warehouse, runners[0].migrations)])
    let loader = WarehouseLoader(postgres: runtime.postgres, schemas: schemas, logger: logger)
    let consumer = try runtime.makeConsumer(groupID: settings.consumerGroup, topics: WarehouseSettings.topics)
    let worker = runtime.makeWorker(consumer: consumer) { message in
        try await loader.handle(message)
    }
    let dimensions = ReferenceDimensions(postgres: runtime.postgres, schemas: schemas, logger: logger)
    return runtime.makeApplication(router: runtime.router(), services: [
        consumer,
        runtime.afterStartup(WarehouseStartup(dimensions: dimensions, interval: .seconds(settings.referenceRefreshSeconds), worker: worker)),
    ])
}
