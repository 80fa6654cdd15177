import Foundation
import HTTPTypes
import HotlinePrivacy
import HotlineReference
import HotlineRuntime
import HotlineStorage
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import IntakeService
import Logging
import NIOCore
import PostgresNIO

/// Shared set-up for intake's integration tests: configuration, an operator key, SQL probes.
struct IntakeHarness {
    static let publicBaseURL = "https://hotline.test"

    static func intakeConfiguration(senderLimitPerHour: Int = 1_000) -> IntakeConfiguration {
        var intake = IntakeConfiguration()
        intake.publicBaseURL = publicBaseURL
        intake.senderLimitPerHour = senderLimitPerHour
        return intake
    }

    static func makeApp(logger: Logger = TestEnvironment.logger, senderLimitPerHour: Int = 1_000) throws -> some ApplicationProtocol {
        try buildIntakeApplication(
            configuration: TestEnvironment.serviceConfiguration("intake"),
            intake: intakeConfiguration(senderLimitPerHour: senderLimitPerHour), logger: logger)
    }

    /// Creates an API key with `role` in the test database and returns it.
    static func apiKey(role: AccessRole, client: PostgresClient) async throws -> String {
        let store = AccessStore(postgres: client)
        try await store.migrate(logger: TestEnvironment.logger)
        return try await store.createKey(role: role, label: "tests", logger: TestEnvironment.logger).key
    }

    /// Loads the shipped reference files as `hotlinectl seed` does.
    static func seedReference(client: PostgresClient) async throws {
        let store = ReferenceStore(postgres: client)
        try await store.migrate(logger: TestEnvironment.logger)
        let set = try ReferenceSet.load(
            directory: TestEnvironment.repositoryRoot + "/reference", protector: PIIProtector(keyring: .development), defaultCountryCode: "223")
        try await store.replaceAll(set, logger: TestEnvironment.logger)
    }

    static func count(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Int {
        for try await value in try await client.query(query, logger: TestEnvironment.logger).decode(Int.self) { return value }
        return 0
    }

    static func json(_ body: ByteBuffer) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    static func form(_ pairs: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = pairs.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
        return ByteBuffer(string: body)
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The sender limit counts in fixed clock-hour windows, so a test that floods one sender must not
    /// straddle the turn of an hour (a run at 07:59:59 saw its count restart). Waits at most 30 s.
    static func awayFromHourBoundary() async throws {
        let intoHour = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 3600)
        if intoHour > 3570 { try await Task.sleep(for: .seconds(3601 - intoHour)) }
    }

    /// A phone number no other test uses, in E.164, with its national form for leak checks.
    static func uniquePhone() -> (e164: String, national: String) {
        let national = "7\(Int.random(in: 1_000_000...9_999_999))"
        return ("+223\(national)", national)
    }
}

extension IntakeHarness {
    /// Seeds reference data through a short-lived pool, before the services under test start.
    static func seedReferenceData() async throws {
        let client = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        try await withRunningServices([client]) { try await seedReference(client: client) }
    }
}
