import HotlineKafka
import HotlineStorage
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// What every hotline service is built from: the database pool, the producer, the outbox relay,
/// start-up work, and the HTTP application that serves health and metrics beside its own routes.
public struct ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let postgres: PostgresClient
    public let producer: KafkaProducer
    public let outbox: Outbox
    public let startup = StartupLatch()
    let relay: OutboxRelay
    let migrations: [MigrationRunner]

    /// - Parameter sharedSchemas: schemas this service reads but does not own (reference data,
    ///   API keys); migrating them from every user is safe under their advisory locks.
    public init(
        configuration: ServiceConfiguration, schema: DatabaseSchema, migrations: [Migration], logger: Logger,
        sharedSchemas: [(DatabaseSchema, [Migration])] = []
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.postgres = try configuration.database.makeClient(logger: logger)
        self.producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: configuration.kafka), logger: logger)
        self.outbox = Outbox(schema: schema)
        var relayConfiguration = OutboxRelayConfiguration()
        relayConfiguration.retainPublished = configuration.outboxRetention
        self.relay = OutboxRelay(outbox: outbox, client: postgres, producer: producer, configuration: relayConfiguration, logger: logger)
        self.migrations = sharedSchemas.map { MigrationRunner(schema: $0.0, migrations: $0.1) }
            + [MigrationRunner(schema: schema, migrations: migrations)]
    }

    /// Applies migrations and creates topics, retrying while PostgreSQL or the broker come up.
    public func prepare(attempts: Int = 60) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                for runner in migrations {
                    try await runner.migrate(client: postgres, logger: logger)
                }
                try await producer.createTopics(configuration.topicSpecifications)
                startup.open()
                logger.info("service ready", metadata: ["service": "\(configuration.serviceName)"])
                return
            } catch {
                guard attempt < attempts, !Task.isCancelled else { throw error }
                logger.warning("start-up work failed; retrying", metadata: [
                    "attempt": "\(attempt)", "error": "\(String(reflecting: error))",
                ])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// A consumer for this service's group, with the configured session timeout.
    public func makeConsumer(groupID: String, topics: [String]) throws -> KafkaConsumer {
        try KafkaConsumer(configuration: configuration.consumerConfiguration(groupID: groupID, topics: topics), logger: logger)
    }

    /// A worker that handles records once start-up work is done.
    public func makeWorker(
        consumer: KafkaConsumer, laneHandler: ConsumerWorker.LaneHandler? = nil, handler: @escaping ConsumerWorker.Handler
    ) -> some Service {
        StartupGatedService(latch: startup, service: ConsumerWorker(
            consumer: consumer, deadLetterProducer: producer, maximumBatch: configuration.consumerBatchSize,
            isTransient: { isDatabaseUnavailable($0) || ($0 as? KafkaError)?.isRetriable == true },
            logger: logger, laneHandler: laneHandler, handler: handler))
    }

    /// Runs `service` once migrations and topics are ready.
    public func afterStartup(_ service: some Service) -> some Service {
        StartupGatedService(latch: startup, service: service)
    }

    public func router() -> Router<HotlineRequestContext> {
        let router = Router(context: HotlineRequestContext.self)
        // Request counts and latency histograms (hb_requests, http_server_request_duration) per route.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        HealthController(serviceName: configuration.serviceName, postgres: postgres, producer: producer, startup: startup)
            .addRoutes(to: router)
        return router
    }

    /// The application: infrastructure services first, so they shut down last.
    public func makeApplication(
        router: Router<HotlineRequestContext>, services: [any Service] = []
    ) -> some ApplicationProtocol {
        router.answerMethodNotAllowed()
        var app = Application(
            responder: DeadlineResponder(router.buildResponder(), deadline: .milliseconds(configuration.requestDeadlineMilliseconds)),
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort),
                serverName: "hotline-\(configuration.serviceName)"),
            services: [postgres, producer, StartupGatedService(latch: startup, service: relay)] + services,
            logger: logger)
        app.beforeServerStarts { try await prepare() }
        return app
    }
}

/// Runs `services` once `precondition` returns (reference data loaded, say); a shutdown while
/// waiting is a clean exit.
public struct PreconditionGatedService: Service {
    let precondition: @Sendable () async throws -> Void
    let services: [any Service]

    public init(services: [any Service], waitingFor precondition: @escaping @Sendable () async throws -> Void) {
        self.precondition = precondition
        self.services = services
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await precondition() }
        } catch is CancellationError {
            return
        }
        try await withThrowingDiscardingTaskGroup { group in
            for service in services {
                group.addTask { try await service.run() }
            }
        }
    }
}

/// Runs `service` only once the start-up latch opens; a shutdown while waiting is a clean exit.
struct StartupGatedService<Wrapped: Service>: Service {
    let latch: StartupLatch
    let service: Wrapped

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await latch.wait() }
        } catch is CancellationError {
            return
        }
        try await service.run()
    }
}
