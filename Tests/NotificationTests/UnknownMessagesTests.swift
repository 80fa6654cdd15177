import Foundation
import HotlineDomain
import HotlineFakeGateway
import HotlineStorage
import HotlineTestSupport
@testable import NotificationService
import PostgresNIO
import Testing

/// An operator's decision on messages nobody can tell were sent (`hotlinectl sms`).
extension NotificationServiceTests {
    @Test("an operator resends one unknown message once and abandons another; a second decision, or one on a message being checked, changes nothing")
    func operatorDecidesUnknownMessages() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let (resentPhone, abandonedPhone) = (NotificationHarness.phone(), NotificationHarness.phone())
        let resent = try NotificationHarness.request(to: resentPhone, priority: .urgent)
        let abandoned = try NotificationHarness.request(to: abandonedPhone, priority: .urgent)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            // Both claimed by an instance that died: their leases lapse into `unknown`.
            let log = StatusLog(outbox: Outbox(schema: .notification), instance: "died")
            try await NotificationHarness.store([resent, abandoned], client: probe)
            let claimed = try await DispatchStore(postgres: probe, log: log).claim(
                limit: 2, claimID: UUID(), provider: "africastalking", sender: "test", lease: .milliseconds(1), logger: logger)
            #expect(claimed.count == 2)
            let recovery = RecoveryStore(postgres: probe, log: log)
            try await eventually("both leases lapse") {
                _ = try await recovery.expireLeases(logger: logger)
                let statuses = [try await NotificationHarness.status(abandoned.notificationID, probe)?.status,
                                try await NotificationHarness.status(resent.notificationID, probe)?.status]
                return statuses == ["unknown", "unknown"]
            }
            let operatorDesk = UnknownMessages(postgres: probe, operatorName: "aminata")
            #expect(try await !operatorDesk.decide(.resend, on: resent.notificationID, reason: "early", logger: logger),
                    "not while the gateway is still to be asked")
            // Africa's Talking cannot be asked: the reconciler settles them, and they wait for a person.
            for record in try await recovery.dueForReconciliation(limit: 10, hold: .seconds(60), logger: logger) {
                try await recovery.settleUnknown(record, reason: "Africa's Talking has no status API; not resent", logger: logger)
            }
            let listed = try await operatorDesk.list(limit: 100, logger: logger)
            #expect(Set(listed.map(\.notificationID)).isSuperset(of: [resent.notificationID, abandoned.notificationID]))
            #expect(listed.allSatisfy { !$0.awaitingGateway })
            #expect(try await operatorDesk.decide(.resend, on: resent.notificationID, reason: "not in the AT outbox log", logger: logger))
            #expect(try await operatorDesk.decide(.abandon, on: abandoned.notificationID, reason: "delivered per AT dashboard", logger: logger))
            #expect(try await !operatorDesk.decide(.resend, on: resent.notificationID, reason: "again", logger: logger), "one decision per message")
            #expect(try await !operatorDesk.decide(.resend, on: "no-such-message", reason: "typo", logger: logger))
            let app = try NotificationHarness.app(NotificationHarness.configuration(.africastalking, gateway: gateway))
            try await withRunningServices([app]) {
                try await NotificationHarness.waitFor(resent.notificationID, ["sent"], probe)
            }
            #expect(gateway.received(to: resentPhone.e164).count == 1)
            #expect(gateway.received(to: abandonedPhone.e164).isEmpty)
            let abandonedRow = try await NotificationHarness.status(abandoned.notificationID, probe)
            #expect(abandonedRow?.status == "failed" && abandonedRow?.reason == "abandoned by aminata: delivered per AT dashboard")
            #expect(try await NotificationHarness.history(resent.notificationID, probe)
                    == ["queued", "sending", "unknown", "unknown-settled", "queued", "sending", "sent"])
            #expect(try await NotificationHarness.statusEvents(abandoned.notificationID, probe).map(\.status) == [.queued, .unknown, .failed])
        }
    }
}
