import Foundation
import HotlineDomain
import HotlineStorage
import HotlineTestSupport
import HummingbirdTesting
@testable import IntakeService
import PostgresNIO
import Testing

extension GatewayChannelTests {
    func newReport(text: String) throws -> NewReport {
        let id = ReportID(), code = ReferenceCode.random(), now = Date()
        let submission = ReportSubmission(channel: .operatorDesk, language: "fr", text: text, locationHint: nil, reporter: nil)
        let event = try OutboxEvent.envelope(topic: "hotline.reports.received", key: id.description, source: "/tests", type: "test", data: text)
        return NewReport(key: InboundKey(channel: .operatorAPI, messageID: UUID().uuidString), requestHash: nil, senderLimit: nil,
                         reportID: id, code: code, submission: submission, receivedAt: now, event: event.outboxRow())
    }

    @Test("a batch the server refuses is rolled back whole and each report is left to the step-by-step path")
    func refusedBatchFallsBack() async throws {
        let app = try IntakeHarness.makeApp()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe]) {
            // Inside the test: the app's start has run the migrations.
            try await app.test(.router) { _ in
                let batches = NewReportBatches(postgres: probe, deadline: .seconds(5), logger: logger)
                // PostgreSQL's text refuses NUL (intake's own checks refuse it before this point).
                let good = try newReport(text: "vol de moto à Gao"), bad = try newReport(text: "vol\u{0}")
                #expect(try await batches.commit([good, bad]) == [.fallBack, .fallBack])
                let ids = [good.reportID.uuid, bad.reportID.uuid]
                #expect(try await IntakeHarness.count(probe, "SELECT count(*)::int FROM intake.reports WHERE report_id = ANY(\(ids))") == 0)
                #expect(try await IntakeHarness.count(probe, "SELECT count(*)::int FROM intake.inbound_messages WHERE report_id = ANY(\(ids))") == 0)
                #expect(try await batches.commit([good]) == [.stored])
                #expect(try await batches.commit([good]) == [.seen])
            }
        }
    }
}
