import Foundation
import HTTPTypes
import HotlineTestSupport
import HummingbirdTesting
import IntakeService
import PostgresNIO
import Testing

extension GatewayChannelTests {
    @Test("120 concurrent webhooks sharing commits: each message claimed once, each sender limited exactly, every copy answered 2xx")
    func concurrentReportsShareCommits() async throws {
        let app = try IntakeHarness.makeApp(senderLimitPerHour: 2)
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await IntakeHarness.awayFromHourBoundary()
        // 20 senders, three messages each (one over the limit of 2), every message delivered twice.
        let senders = (0..<20).map { _ in IntakeHarness.uniquePhone() }
        let messages = senders.flatMap { sender in
            (0..<3).map { index in (sender: sender, id: "ATXid_\(UUID().uuidString)", text: "Des voleurs au marché de Gao, message \(index)") }
        }
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for message in messages + messages.reversed() {
                        group.addTask {
                            try await client.execute(
                                uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                                body: IntakeHarness.form([("from", message.sender.e164), ("text", message.text), ("id", message.id)])).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.count == 120 && statuses.allSatisfy { $0 == .ok }, "\(statuses.filter { $0 != .ok })")
            }
            for sender in senders {
                let pseudonym = pseudonym(sender.e164)
                #expect(try await reportsFrom(sender.e164, probe) == 2)
                #expect(try await IntakeHarness.count(probe, "SELECT count(*)::int FROM intake.inbound_messages WHERE sender_pseudonym = \(pseudonym) AND kind = 'throttled'") == 1)
                #expect(try await IntakeHarness.count(probe, "SELECT count(*)::int FROM intake.sender_windows WHERE pseudonym = \(pseudonym) AND window_start = date_trunc('hour', now()) AND count = 3") == 1,
                        "each message counted once, copies not at all")
            }
            let ids = messages.map(\.id)
            #expect(try await IntakeHarness.count(probe, "SELECT count(*)::int FROM intake.inbound_messages WHERE gateway_message_id = ANY(\(ids))") == 60)
            #expect(try await IntakeHarness.count(probe, """
                SELECT count(*)::int FROM intake.outbox o JOIN intake.inbound_messages m ON o.message_key = convert_to(m.report_id::text, 'UTF8')
                WHERE m.gateway_message_id = ANY(\(ids)) AND o.topic = 'hotline.reports.received'
                """) == 40, "one event per stored report")
        }
    }
}
