import Foundation
import HotlineDomain
import HotlineFakeGateway
import HotlineKafka
import HotlinePrivacy
import HotlineRuntime
import HotlineReference
import HotlineStorage
import HotlineTestSupport
import Logging
import NIOConcurrencyHelpers
@testable import NotificationService
import PostgresNIO
import ServiceLifecycle

/// Shared set-up of the notification integration tests: seeded templates, fast settings, a
/// fake gateway, requests to fresh numbers, and probes of the service's tables.
enum NotificationHarness {
    static let logger = TestEnvironment.logger
    static let protector = PIIProtector(keyring: .development)

    static func configuration(_ kind: NotificationConfiguration.ProviderKind, gateway: FakeGateway) -> NotificationConfiguration {
        var configuration = NotificationConfiguration()
        configuration.provider = kind
        configuration.africasTalking.baseURL = gateway.baseURL
        configuration.africasTalking.username = "hotline"
        configuration.africasTalking.apiKey = "test-at-api-key"
        configuration.africasTalking.senderID = "20123"
        configuration.twilio.baseURL = gateway.baseURL
        configuration.twilio.accountSID = "ACtest"
        configuration.twilio.authToken = "test-twilio-token"
        configuration.twilio.from = "+15005550006"
        configuration.twilio.statusCallbackURL = "https://hotline.example.org/v1/inbound/twilio/status"
        configuration.ratePerSecond = 200
        configuration.rateBurst = 50
        configuration.maxAttempts = 3
        configuration.initialBackoff = .milliseconds(50)
        configuration.maxBackoff = .milliseconds(200)
        configuration.claimLease = .seconds(3)
        configuration.httpTimeout = .seconds(2)
        configuration.pollInterval = .milliseconds(50)
        configuration.reconcileDelay = .seconds(1)
        configuration.referenceRefresh = .seconds(1)
        return configuration
    }

    /// An instance of the service. Each test's instances get a consumer group of their own
    /// (production has one, `hotline-notification`): the broker's group membership of one test's
    /// stopped instances must not delay the next test's join.
    static func app(_ notification: NotificationConfiguration, provider: (any SMSProvider)? = nil, logger: Logger = logger,
                    group: String = TestEnvironment.uniqueName("hotline-notification")) throws -> some Service {
        var notification = notification
        notification.consumerGroup = group
        var service = TestEnvironment.serviceConfiguration("notification")
        if let debug = ProcessInfo.processInfo.environment["HOTLINE_TEST_RDKAFKA_DEBUG"] { service.kafka.additionalProperties["debug"] = debug }
        return try buildNotificationApplication(configuration: service, notification: notification,
                                         provider: provider, logger: logger)
    }

    /// Templates (and the rest of the reference data) as `hotlinectl seed` loads them; the
    /// service's schema; and no message left queued by an earlier test to be sent by this one.
    static func prepare(_ client: PostgresClient) async throws {
        let store = ReferenceStore(postgres: client)
        try await store.migrate(logger: logger)
        try await store.replaceAll(try ReferenceSet.load(
            directory: TestEnvironment.repositoryRoot + "/reference", protector: protector, defaultCountryCode: "223"), logger: logger)
        try await MigrationRunner(schema: .notification, migrations: NotificationMigrations.all).migrate(client: client, logger: logger)
        try await client.query("""
            UPDATE notification.notifications SET status = 'failed', reason = 'left by an earlier test', reconcile_after = NULL
            WHERE status IN ('queued', 'sending', 'unknown')
            """, logger: logger)
    }

    static func phone() -> PhoneNumber {
        PhoneNumber.normalise("+22376\(Int.random(in: 100_000...999_999))", defaultCountryCode: "223")!
    }

    static func request(to phone: PhoneNumber, template: String = "reporter.acknowledgement", parameters: [String: String]? = nil,
                        language: String = "fr", priority: NotificationRequested.Priority = .routine, audience: String = "reporter",
                        id: String = "test:\(UUID().uuidString.lowercased())") throws -> NotificationRequested {
        let code = ReferenceCode.random()
        return NotificationRequested(
            notificationID: id, recipient: try protector.protect(phone), audience: audience, template: template,
            parameters: parameters ?? ["reference_code": code.value], language: language, priority: priority, caseID: UUID(),
            referenceCode: code)
    }

    static func record(_ request: NotificationRequested) throws -> KafkaProducerMessage {
        let envelope = EventEnvelope(source: "/test", type: NotificationRequested.eventType, data: request)
        return KafkaProducerMessage(topic: Topic.notificationsRequested, key: request.notificationID, value: try EventCoding.encode(envelope))
    }

    /// A dispatcher alone (no consumer), started, sending through the configured gateway.
    static func dispatcher(_ configuration: NotificationConfiguration, client: PostgresClient, instance: String) -> Dispatcher {
        let started = StartupLatch()
        started.open()
        return makeDispatcher(postgres: client, notification: configuration, provider: makeProvider(configuration, logger: logger),
                              log: StatusLog(outbox: Outbox(schema: .notification), instance: instance),
                              keyring: .development, startup: started, logger: logger)
    }

    /// Stores requests directly, as the consumer would, so a test need not wait for a group join.
    static func store(_ requests: [NotificationRequested], client: PostgresClient) async throws {
        let store = RequestStore(postgres: client, log: StatusLog(outbox: Outbox(schema: .notification), instance: "test"),
                                 sendWindow: SendWindow(window: nil, defaultTimeZone: "Africa/Bamako"), defaultLanguage: "fr")
        for request in requests { try await store.accept(request, eventID: UUID().uuidString, logger: logger) }
    }

    static func status(_ id: String, _ client: PostgresClient) async throws -> (status: String, reason: String?, attempts: Int)? {
        let rows = try await client.query(
            "SELECT status, reason, attempts FROM notification.notifications WHERE notification_id = \(id)", logger: logger)
        for try await row in rows.decode((String, String?, Int).self) { return row }
        return nil
    }

    static func waitFor(_ id: String, _ statuses: Set<String>, _ client: PostgresClient, timeout: Duration = .seconds(30)) async throws {
        try await eventually(timeout: timeout, "\(id) reaches \(statuses)") {
            try await status(id, client).map { statuses.contains($0.status) } ?? false
        }
    }

    static func history(_ id: String, _ client: PostgresClient) async throws -> [String] {
        try await client.query("SELECT status FROM notification.history WHERE notification_id = \(id) ORDER BY id", logger: logger)
            .decode(String.self).all()
    }

    /// Published status events of one notification, in order.
    static func statusEvents(_ id: String, _ client: PostgresClient) async throws -> [NotificationStatusChanged] {
        let payloads = try await client.query("""
            SELECT payload FROM notification.outbox WHERE topic = \(Topic.notificationStatus) AND convert_from(message_key, 'UTF8') = \(id)
            ORDER BY id
            """, logger: logger).decode(ByteBuffer.self).all()
        return try payloads.map { try EventCoding.decode(NotificationStatusChanged.self, from: Array(buffer: $0)).data }
    }
}

/// A gateway client that "crashes" mid-send: it calls the real provider (or not), then never
/// returns, so the test can kill the instance between the claim and recording the result.
final class CrashingProvider: SMSProvider {
    let wrapped: any SMSProvider
    let sendsBeforeCrash: Bool
    private let calls = NIOLockedValueBox(0)

    init(wrapping wrapped: any SMSProvider, sendsBeforeCrash: Bool) {
        self.wrapped = wrapped
        self.sendsBeforeCrash = sendsBeforeCrash
    }

    var name: String { wrapped.name }
    var sender: String { wrapped.sender }
    var callCount: Int { calls.withLockedValue { $0 } }

    func send(_ sms: OutboundSMS) async throws -> ProviderReceipt {
        if sendsBeforeCrash { _ = try await wrapped.send(sms) }
        calls.withLockedValue { $0 += 1 }
        try await Task.sleep(for: .seconds(3600))  // the process dies here
        throw CancellationError()
    }

    func lookup(_ sms: OutboundSMS, providerMessageID: String?) async throws -> ProviderLookup {
        try await wrapped.lookup(sms, providerMessageID: providerMessageID)
    }
}

extension AsyncSequence {
    /// Every element, in order.
    func all() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
