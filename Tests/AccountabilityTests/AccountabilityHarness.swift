import AccountabilityService
import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import HotlineRuntime
import HotlineStorage
import HotlineTestSupport
import Logging
import PostgresNIO

/// Set-up shared by accountability's integration tests: schemas, reference data, a desk on a
/// manual clock, and builders for the events routing and intake would publish.
struct AccountabilityHarness {
    static let logger = TestEnvironment.logger
    static let protector = PIIProtector(keyring: .development)

    let client: PostgresClient
    let clock: ManualCaseClock
    let desk: CaseDesk

    init(client: PostgresClient, clock: ManualCaseClock = ManualCaseClock(), settings: AccountabilitySettings = AccountabilitySettings()) {
        self.client = client
        self.clock = clock
        let directory = DirectoryCache(store: ReferenceStore(postgres: client), deadlines: settings.deadlines)
        desk = CaseDesk(postgres: client, outbox: Outbox(schema: .accountability), directory: directory, clock: clock,
                        settings: settings, logger: Self.logger)
    }

    /// Migrates the schemas accountability uses and loads the shipped reference files.
    static func prepare(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: ReferenceStore.schema, migrations: ReferenceStore.migrations).migrate(client: client, logger: logger)
        try await MigrationRunner(schema: AccessStore.schema, migrations: AccessStore.migrations).migrate(client: client, logger: logger)
        try await MigrationRunner(schema: .accountability, migrations: AccountabilityMigrations.all).migrate(client: client, logger: logger)
        let set = try ReferenceSet.load(directory: TestEnvironment.repositoryRoot + "/reference", protector: protector, defaultCountryCode: "223")
        try await ReferenceStore(postgres: client).replaceAll(set, logger: logger)
    }

    static func phone(_ number: String) -> ProtectedPhone {
        try! protector.protect(PhoneNumber.normalise(number, defaultCountryCode: "223")!)
    }

    static func randomReporter() -> (number: String, phone: ProtectedPhone) {
        let number = "+22376\(Int.random(in: 100_000...999_999))"
        return (number, phone(number))
    }

    /// A routed case at Sévaré led by its committee, as routing would publish it.
    func routed(priority: CasePriority = .normal, category: IncidentCategory = .theft, reporter: ProtectedPhone?,
                language: String = "fr", restricted: Bool = false) -> EventEnvelope<CaseRouted> {
        var targets = [CaseRouted.RoutedTarget(code: "CSC-ML-5-MOP-SEV", type: .committee, role: .lead, restricted: false, level: "commune")]
        if restricted {
            targets = [CaseRouted.RoutedTarget(code: "GBV-ML-5", type: .partner, role: .lead, restricted: true, level: "region"),
                       CaseRouted.RoutedTarget(code: "CSC-ML-5-MOP-SEV", type: .committee, role: .informed, restricted: false, level: "commune")]
        }
        let routed = CaseRouted(
            caseID: UUID(), reportID: ReportID(), referenceCode: .random(), categories: [.init(category: category, score: 1)],
            primaryCategory: category, priority: priority,
            place: .init(code: "ML-5-MOP-SEV", level: "commune", name: "Sévaré", lineage: ["ML", "ML-5", "ML-5-MOP", "ML-5-MOP-SEV"], ambiguous: false),
            targets: targets, rule: .init(id: "default-committee", why: "test"), language: language, channel: .sms,
            receivedAt: clock.now(), routedAt: clock.now(), reporter: reporter, text: restricted ? nil : "des voleurs", textRestricted: restricted)
        return EventEnvelope(source: "/test", type: CaseRouted.eventType, data: routed)
    }

    func command(_ text: String, from sender: ProtectedPhone) -> EventEnvelope<CommandReceived> {
        let command: CommandReceived
        switch InboundSMSClassifier.classify(text) {
        case .responderCommand(let responder):
            command = CommandReceived(commandID: UUID().uuidString, kind: .responderCommand, responderCommand: responder, sender: sender,
                                      channel: .sms, receivedAt: clock.now())
        case .reporterCommand(let reporter):
            command = CommandReceived(commandID: UUID().uuidString, kind: .reporterCommand, reporterCommand: reporter, sender: sender,
                                      channel: .sms, receivedAt: clock.now())
        case .optOut:
            command = CommandReceived(commandID: UUID().uuidString, kind: .optOut, sender: sender, channel: .sms, receivedAt: clock.now())
        case .optIn:
            command = CommandReceived(commandID: UUID().uuidString, kind: .optIn, sender: sender, channel: .sms, receivedAt: clock.now())
        case .report:
            fatalError("'\(text)' is not a command")
        }
        return EventEnvelope(source: "/test", type: CommandReceived.eventType, data: command)
    }

    /// Notification requests accountability has queued whose id starts with `prefix`.
    func requests(_ prefix: String) async throws -> [NotificationRequested] {
        let rows = try await client.query("""
            SELECT payload FROM accountability.outbox WHERE topic = 'hotline.notifications.requested'
              AND convert_from(message_key, 'UTF8') LIKE \(prefix + "%") ORDER BY id
            """, logger: Self.logger)
        var result: [NotificationRequested] = []
        for try await payload in rows.decode(ByteBuffer.self) {
            result.append(try EventCoding.decode(NotificationRequested.self, from: Array(buffer: payload)).data)
        }
        return result
    }

    func replies(to envelope: EventEnvelope<CommandReceived>) async throws -> [NotificationRequested] {
        try await requests("cmd:\(envelope.data.commandID):")
    }

    func caseRequests(_ caseID: UUID) async throws -> [NotificationRequested] {
        try await requests(caseID.uuidString.lowercased())
    }

    func events(_ caseID: UUID) async throws -> [(kind: String, target: String?)] {
        try await client.query("""
            SELECT kind, target FROM accountability.case_events WHERE case_id = \(caseID) ORDER BY sequence
            """, logger: Self.logger).collect().map { try $0.decode((String, String?).self) }.map { (kind: $0.0, target: $0.1) }
    }

    func state(_ caseID: UUID) async throws -> (state: String, owner: String) {
        let row = try await client.query("SELECT state, owner FROM accountability.cases WHERE case_id = \(caseID)", logger: Self.logger)
            .collect().first!
        let (state, owner) = try row.decode((String, String).self)
        return (state, owner)
    }
}
