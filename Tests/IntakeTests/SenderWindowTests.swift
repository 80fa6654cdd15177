import Foundation
import HotlineTestSupport
import HummingbirdTesting
import IntakeService
import PostgresNIO
import Testing

extension GatewayChannelTests {
    @Test("the sender limit slides over the hour's turn: last hour's flood still counts, older hours do not and are swept")
    func slidingSenderWindow() async throws {
        let app = try IntakeHarness.makeApp(senderLimitPerHour: 3)
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await IntakeHarness.awayFromHourBoundary()
        let flooder = IntakeHarness.uniquePhone(), earlier = IntakeHarness.uniquePhone()
        try await withRunningServices([probe]) {
            try await app.test(.router) { client in
                // Inside the test: the app's start has run the migrations. 1,000 messages in the
                // previous clock hour weigh more than the limit of 3 until that hour's last seconds.
                try await probe.query("""
                    INSERT INTO intake.sender_windows (pseudonym, window_start, count) VALUES
                        (\(pseudonym(flooder.e164)), date_trunc('hour', now()) - interval '1 hour', 1000),
                        (\(pseudonym(earlier.e164)), date_trunc('hour', now()) - interval '2 hours', 1000)
                    """, logger: logger)
                // A report takes the one-statement path, a STATUS command the step-by-step one.
                for (phone, text) in [(flooder, "des voleurs au marché"), (flooder, "STATUS 7KQ2ZX"), (earlier, "des voleurs au marché")] {
                    let response = try await client.execute(
                        uri: "/v1/inbound/africastalking/sms?token=\(Self.atToken)", method: .post, headers: IntakeHarness.formHeaders,
                        body: IntakeHarness.form([("from", phone.e164), ("text", text), ("id", UUID().uuidString)]))
                    #expect(response.status == .ok)
                }
            }
            #expect(try await IntakeHarness.count(probe, "SELECT count(*) FROM intake.inbound_messages WHERE sender_pseudonym = \(pseudonym(flooder.e164)) AND kind = 'throttled'") == 2,
                    "both the report and the command of last hour's flooder are throttled")
            #expect(try await reportsFrom(flooder.e164, probe) == 0)
            #expect(try await reportsFrom(earlier.e164, probe) == 1, "a window two hours old no longer counts")

            try await SenderWindowSweeper(postgres: probe, interval: .seconds(600), logger: logger).sweep()
            #expect(try await IntakeHarness.count(probe, "SELECT count(*) FROM intake.sender_windows WHERE pseudonym = \(pseudonym(earlier.e164)) AND window_start < date_trunc('hour', now())") == 0,
                    "windows the sliding hour no longer reads are swept")
            #expect(try await IntakeHarness.count(probe, "SELECT count(*) FROM intake.sender_windows WHERE pseudonym = \(pseudonym(flooder.e164)) AND window_start < date_trunc('hour', now())") == 1,
                    "the previous hour's window is kept")
        }
    }
}
