import AsyncHTTPClient
import ServiceLifecycle
import Foundation
import HotlineConcurrency
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging
import PostgresNIO

/// Builds the notification service, the only sender of SMS: a consumer that stores requests,
/// opt-outs and delivery reports, and a dispatcher that sends through the configured gateway.
///
/// - Parameter provider: replaces the configured gateway (tests wrap one to simulate crashes).
public func buildNotificationApplication(
    configuration: ServiceConfiguration, notification: NotificationConfiguration = NotificationConfiguration(),
    keyring: PIIKeyring = .development, provider: (any SMSProvider)? = nil, logger: Logger
) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .notification, migrations: NotificationMigrations.all, logger: logger,
        sharedSchemas: [(ReferenceStore.schema, ReferenceStore.migrations)])
    // One connection per send in flight: sends queued behind a small pool would reach the gateway
    // long after their rate-limit token was granted, bunching them past the limit.
    let gatewayClient = GatewayClientService(connections: notification.dispatchers * notification.dispatchBatch)
    let provider = provider ?? makeProvider(notification, logger: logger, client: gatewayClient.client)
    let instance = "\(configuration.serviceName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID.random().uuidString.prefix(8).lowercased())"
    let log = StatusLog(outbox: runtime.outbox, instance: instance)
    let sendWindow = SendWindow(window: notification.quietHours, defaultTimeZone: notification.quietHoursTimeZone)
    let requests = RequestStore(postgres: runtime.postgres, log: log, sendWindow: sendWindow, defaultLanguage: notification.defaultLanguage)

    let consumer = try runtime.makeConsumer(
        groupID: notification.consumerGroup, topics: [Topic.notificationsRequested, Topic.commandsReceived, Topic.notificationStatus])
    let doorbell = Doorbell()
    let handler = NotificationEventHandler(postgres: runtime.postgres, requests: requests, doorbell: doorbell, logger: logger)
    let worker = runtime.makeWorker(consumer: consumer, laneHandler: { try await handler.handle(lane: $0); return true }) { message in
        try await handler.handle(message)
    }

    let dispatcher = makeDispatcher(postgres: runtime.postgres, notification: notification, provider: provider, log: log,
                                    keyring: keyring, startup: runtime.startup, doorbell: doorbell, logger: logger)
    logger.info("notification provider", metadata: ["provider": "\(provider.name)", "rate_per_second": "\(notification.ratePerSecond)"])
    // The gateway client is listed first so that it shuts down last, after the dispatcher.
    return runtime.makeApplication(router: runtime.router(), services: [gatewayClient, consumer, worker, dispatcher])
}

/// The sending half of the service, on its own (tests run it alone to kill it mid-send).
func makeDispatcher(postgres: PostgresClient, notification: NotificationConfiguration, provider: any SMSProvider, log: StatusLog,
                    keyring: PIIKeyring, startup: StartupLatch, doorbell: Doorbell = Doorbell(), logger: Logger) -> Dispatcher {
    let sendWindow = SendWindow(window: notification.quietHours, defaultTimeZone: notification.quietHoursTimeZone)
    // At full rate, each limiter round trip should grant a batch, not a token or two.
    if notification.effectiveBurst < Double(notification.dispatchBatch), notification.ratePerSecond / notification.effectiveBurst > 100 {
        logger.warning("the rate-limit burst leaves fewer tokens than a dispatch batch; messages will be taken a few at a time", metadata: [
            "rate_per_second": "\(notification.ratePerSecond)", "burst": "\(notification.rateBurst)",
            "usable_burst": "\(notification.effectiveBurst)", "dispatch_batch": "\(notification.dispatchBatch)",
            "hint": "raise HOTLINE_SMS_RATE_BURST above rate × HOTLINE_SMS_RATE_HEADROOM_MS + HOTLINE_SMS_DISPATCH_BATCH",
        ])
    }
    var dispatcher = Dispatcher(
        configuration: notification, provider: provider, store: DispatchStore(postgres: postgres, log: log),
        recovery: RecoveryStore(postgres: postgres, log: log),
        limiter: RateLimiter(postgres: postgres, provider: provider.name, sender: provider.sender,
                             rate: notification.ratePerSecond, burst: notification.effectiveBurst),
        templates: TemplateCatalog(postgres: postgres, defaultLanguage: notification.defaultLanguage,
                                   refreshInterval: notification.referenceRefresh),
        protector: PIIProtector(keyring: keyring), sendWindow: sendWindow, startup: startup, doorbell: doorbell, logger: logger)
    dispatcher.reconcileDelay = notification.reconcileDelay
    return dispatcher
}

/// The gateway named by `HOTLINE_SMS_PROVIDER`.
public func makeProvider(_ notification: NotificationConfiguration, logger: Logger, client: HTTPClient = .shared) -> any SMSProvider {
    switch notification.provider {
    case .log: LogProvider(logger: logger)
    case .africastalking: AfricasTalkingProvider(configuration: notification.africasTalking, client: client, timeout: notification.httpTimeout)
    case .twilio: TwilioProvider(configuration: notification.twilio, client: client, timeout: notification.httpTimeout)
    }
}

/// The HTTP client the gateways are called with, sized to the sends in flight, shut down with the service.
struct GatewayClientService: Service {
    let client: HTTPClient

    init(connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, connections))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
