import Foundation
import HTTPTypes
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import IntakeService
import Testing

/// schemathesis (pinned in scripts/bootstrap.sh) against a live intake, from its own OpenAPI document.
///
/// Bounded by `--max-examples` (`HOTLINE_SCHEMATHESIS_EXAMPLES`, default 50 per operation) and
/// fails on any 5xx. It gets a valid operator key and the Africa's Talking token, and its hooks
/// sign Twilio and relay requests, so generated cases reach the handlers and the database.
@Suite("Intake schemathesis")
struct SchemathesisTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var maxExamples: Int { environment["HOTLINE_SCHEMATHESIS_EXAMPLES"].flatMap(Int.init) ?? 50 }

    @Test("schemathesis finds no server error in any documented operation")
    func schemathesis() async throws {
        let probe = try TestEnvironment.database.makeClient(logger: TestEnvironment.logger)
        try await withRunningServices([probe]) {
            try await IntakeHarness.seedReference(client: probe)
            let operatorKey = try await IntakeHarness.apiKey(role: .operator, client: probe)
            let app = try IntakeHarness.makeApp(senderLimitPerHour: 100_000)
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let started = ContinuousClock.now
                let (status, log) = try await Self.runSchemathesis(port: port, operatorKey: operatorKey)
                print("schemathesis: exit \(status) after \(ContinuousClock.now - started), max \(Self.maxExamples) examples per operation\n"
                      + log.split(separator: "\n").suffix(30).map { "  \($0)" }.joined(separator: "\n"))
                #expect(status == 0, "schemathesis reported failures (5xx or errors); full log above and in the stack directory")
                let cases = Self.testCases(in: log)
                #expect(cases.generated >= 200 && cases.passed == cases.generated, "schemathesis ran its cases: \(cases)")
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok, "intake still alive")
            }
        }
    }

    /// `498 generated, 498 passed` from schemathesis' summary.
    static func testCases(in log: String) -> (generated: Int, passed: Int) {
        guard let line = log.split(separator: "\n").last(where: { $0.contains(" generated, ") }) else { return (0, 0) }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : (0, 0)
    }

    static func runSchemathesis(port: Int, operatorKey: String) async throws -> (Int32, String) {
        let root = TestEnvironment.repositoryRoot
        let executable = root + "/.tools/venv/bin/schemathesis"
        try #require(FileManager.default.isExecutableFile(atPath: executable), "run scripts/bootstrap.sh: it installs schemathesis")
        let directory = environment["HOTLINE_TEST_STACK_DIR"] ?? NSTemporaryDirectory()
        let logPath = directory + "/schemathesis.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? logHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.arguments = [
            "--no-color", "--config-file", root + "/scripts/schemathesis/schemathesis.toml",
            "run", "http://127.0.0.1:\(port)/openapi.json",
            "--checks", "not_a_server_error", "--max-examples", "\(maxExamples)", "--phases", "examples,coverage,fuzzing",
            "--workers", "2", "--report", "junit,har", "--report-dir", directory + "/schemathesis-report",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = root + "/scripts/schemathesis"
        environment["HOTLINE_ST_OPERATOR_KEY"] = operatorKey
        environment["HOTLINE_ST_AT_TOKEN"] = IntakeConfiguration().africasTalkingToken
        environment["HOTLINE_ST_TWILIO_TOKEN"] = IntakeConfiguration().twilioAuthToken
        environment["HOTLINE_ST_RELAY_SECRET"] = IntakeConfiguration().relaySecret
        environment["HOTLINE_ST_PUBLIC_BASE_URL"] = IntakeHarness.publicBaseURL
        process.environment = environment
        process.standardOutput = logHandle
        process.standardError = logHandle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return (status, log)
    }
}
