import Foundation
import HotlineDomain
import HotlineFakeGateway
import HotlineKafka
import HotlinePrivacy
import HotlineRuntime
import HotlineStorage
import HotlineTestSupport
@testable import NotificationService
import PostgresNIO
import ServiceLifecycle
import Testing

/// Never the same SMS twice: redelivery, a crash between claim and result, two instances.
extension NotificationServiceTests {
    @Test("the same request delivered 5 times (and once more under a new event id) sends one SMS")
    func fiveRedeliveries() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
        let phone = NotificationHarness.phone()
        let request = try NotificationHarness.request(to: phone)
        // A later request on the same key (so the same partition), to know the repeats were consumed.
        let sentinel = try NotificationHarness.request(to: NotificationHarness.phone(), id: request.notificationID + ":sentinel")
        try await withRunningServices([probe, producer, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            let app = try NotificationHarness.app(NotificationHarness.configuration(.africastalking, gateway: gateway))
            try await withRunningServices([app]) {
                try await producer.createTopics([TopicSpecification(name: Topic.notificationsRequested, partitions: 3)])
                let record = try NotificationHarness.record(request)
                for _ in 0..<5 { try await producer.send(record) }
                try await producer.send(try NotificationHarness.record(request))  // same notification id, new event id
                var last = try NotificationHarness.record(sentinel)
                last.key = record.key
                try await producer.send(last)
                try await NotificationHarness.waitFor(sentinel.notificationID, ["sent"], probe, timeout: .seconds(90))
                try await NotificationHarness.waitFor(request.notificationID, ["sent"], probe)
            }
            #expect(gateway.received(to: phone.e164).count == 1, "one SMS for six deliveries")
            let events = try await NotificationHarness.statusEvents(request.notificationID, probe)
            #expect(events.map(\.status) == [.queued, .sent])
        }
    }

    /// Runs a dispatcher whose gateway client never returns, and kills it (task cancellation)
    /// once the send is under way: the claim is committed, the result never recorded. Only the
    /// dispatcher dies (a dead consumer would linger in the broker's group), and a fresh
    /// instance of the whole service takes over.
    func crashMidSend(_ kind: NotificationConfiguration.ProviderKind, sendsBeforeCrash: Bool, gateway: FakeGateway,
                      request: NotificationRequested, probe: PostgresClient) async throws {
        let configuration = NotificationHarness.configuration(kind, gateway: gateway)
        let crashing = CrashingProvider(wrapping: makeProvider(configuration, logger: logger), sendsBeforeCrash: sendsBeforeCrash)
        let started = StartupLatch()
        started.open()
        let doomed = makeDispatcher(postgres: probe, notification: configuration, provider: crashing,
                                    log: StatusLog(outbox: Outbox(schema: .notification), instance: "doomed"),
                                    keyring: .development, startup: started, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await doomed.run() }
            try await NotificationHarness.store([request], client: probe)
            try await eventually("the doomed instance is mid-send") { crashing.callCount == 1 }
            group.cancelAll()
            try? await group.waitForAll()
        }
        let row = try await NotificationHarness.status(request.notificationID, probe)
        #expect(row?.status == "sending", "claimed, result never recorded")
    }

    @Test("a claim that committed although its answer was lost is put back by its claimer and sent once, even after its lease lapsed")
    func lostClaimAnswer() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let (firstPhone, secondPhone) = (NotificationHarness.phone(), NotificationHarness.phone())
        let first = try NotificationHarness.request(to: firstPhone, priority: .urgent)
        let second = try NotificationHarness.request(to: secondPhone, priority: .urgent)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            // Africa's Talking cannot be asked about a message: an `unknown` one would never be resent.
            let configuration = NotificationHarness.configuration(.africastalking, gateway: gateway)
            let store = DispatchStore(postgres: probe, log: StatusLog(outbox: Outbox(schema: .notification), instance: "lost-answer"))
            try await NotificationHarness.store([first], client: probe)
            try await NotificationHarness.store([second], client: probe)
            // Two claims that committed; their callers saw only an error. The second's lease lapses.
            let (firstClaim, secondClaim) = (UUID(), UUID())
            let claimedFirst = try await store.claim(limit: 1, claimID: firstClaim, provider: "africastalking", sender: "test",
                                                     lease: .seconds(60), logger: logger)
            let claimedSecond = try await store.claim(limit: 1, claimID: secondClaim, provider: "africastalking", sender: "test",
                                                      lease: .milliseconds(1), logger: logger)
            #expect(claimedFirst.count == 1 && claimedSecond.count == 1)
            try await eventually("the second claim's lease lapses into unknown") {
                _ = try await RecoveryStore(postgres: probe, log: store.log).expireLeases(logger: logger)
                return try await NotificationHarness.status(second.notificationID, probe)?.status == "unknown"
            }
            let dispatcher = NotificationHarness.dispatcher(configuration, client: probe, instance: "lost-answer")
            try await dispatcher.putBackUnsent(claimID: firstClaim)
            try await dispatcher.putBackUnsent(claimID: secondClaim)
            #expect(try await store.putBackUnsent(claimID: UUID(), logger: logger) == 0, "a claim that really failed took nothing")
            #expect(try await NotificationHarness.status(first.notificationID, probe)?.attempts == 0, "the lost claim's attempt is not counted")
            let app = try NotificationHarness.app(configuration)
            try await withRunningServices([app]) {
                try await NotificationHarness.waitFor(first.notificationID, ["sent"], probe)
                try await NotificationHarness.waitFor(second.notificationID, ["sent"], probe)
            }
            #expect(gateway.received(to: firstPhone.e164).count == 1)
            #expect(gateway.received(to: secondPhone.e164).count == 1)
            #expect(try await NotificationHarness.history(first.notificationID, probe) == ["queued", "sending", "released", "sending", "sent"])
            #expect(try await NotificationHarness.history(second.notificationID, probe)
                    == ["queued", "sending", "unknown", "released", "sending", "sent"])
            #expect(try await NotificationHarness.status(second.notificationID, probe)?.attempts == 1)
        }
    }

    @Test("killed after Twilio accepted the SMS: a fresh instance finds it at Twilio and records it sent, without resending")
    func crashAfterSendTwilio() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let phone = NotificationHarness.phone()
        let request = try NotificationHarness.request(to: phone)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            try await crashMidSend(.twilio, sendsBeforeCrash: true, gateway: gateway, request: request, probe: probe)
            #expect(gateway.received(to: phone.e164).count == 1)
            let fresh = try NotificationHarness.app(NotificationHarness.configuration(.twilio, gateway: gateway))
            try await withRunningServices([fresh]) {
                try await NotificationHarness.waitFor(request.notificationID, ["sent"], probe)
            }
            #expect(gateway.received(to: phone.e164).count == 1, "reconciled, not resent")
            #expect(gateway.lookups >= 1)
            #expect(try await NotificationHarness.history(request.notificationID, probe) == ["queued", "sending", "unknown", "sent"])
            let events = try await NotificationHarness.statusEvents(request.notificationID, probe)
            #expect(events.map(\.status) == [.queued, .unknown, .sent])
            #expect(events.last?.providerMessageID == gateway.received(to: phone.e164).first?.messageID)
        }
    }

    @Test("a Twilio lookup reads every page: a message 1,200 sends back to a busy member is found, an unsent one is not")
    func twilioLookupReadsEveryPage() async throws {
        let gateway = FakeGateway()
        try await withRunningServices([gateway.makeService()]) {
            try await eventually("fake gateway listening") { gateway.port != nil }
            let provider = makeProvider(NotificationHarness.configuration(.twilio, gateway: gateway), logger: logger)
            let member = NotificationHarness.phone().e164
            func sms(_ index: Int) -> OutboundSMS {
                OutboundSMS(notificationID: "page-test-\(index)", to: member, text: "Alerte \(index) pour vous", claimedAt: Date())
            }
            for batch in stride(from: 0, to: 1_200, by: 100) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in batch..<(batch + 100) { group.addTask { _ = try await provider.send(sms(index)) } }
                    try await group.waitForAll()
                }
            }
            let lookupsBefore = gateway.lookups
            guard case .found(let receipt) = try await provider.lookup(sms(0), providerMessageID: nil) else {
                Issue.record("the oldest message is on the second page and was not found: it would be sent twice")
                return
            }
            #expect(receipt.providerMessageID == gateway.received(to: member).first { $0.text == sms(0).text }?.messageID)
            #expect(gateway.lookups - lookupsBefore == 2, "1,200 messages at 1,000 a page")
            #expect(try await provider.lookup(sms(5_000), providerMessageID: nil) == .notFound)
        }
    }

    @Test("killed after the claim but before Twilio got it: Twilio has no such message, so it is sent once")
    func crashBeforeSendTwilio() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let phone = NotificationHarness.phone()
        let request = try NotificationHarness.request(to: phone)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            try await crashMidSend(.twilio, sendsBeforeCrash: false, gateway: gateway, request: request, probe: probe)
            #expect(gateway.received(to: phone.e164).isEmpty)
            let fresh = try NotificationHarness.app(NotificationHarness.configuration(.twilio, gateway: gateway))
            try await withRunningServices([fresh]) {
                try await NotificationHarness.waitFor(request.notificationID, ["sent"], probe)
            }
            #expect(gateway.received(to: phone.e164).count == 1)
            #expect(try await NotificationHarness.history(request.notificationID, probe) == ["queued", "sending", "unknown", "queued", "sending", "sent"])
        }
    }

    @Test("killed after Africa's Talking accepted it: no status API, so it stays unknown and is never resent")
    func crashAfterSendAfricasTalking() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let phone = NotificationHarness.phone()
        let request = try NotificationHarness.request(to: phone)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            try await crashMidSend(.africastalking, sendsBeforeCrash: true, gateway: gateway, request: request, probe: probe)
            let fresh = try NotificationHarness.app(NotificationHarness.configuration(.africastalking, gateway: gateway))
            try await withRunningServices([fresh]) {
                try await eventually("the fresh instance settles the unknown") {
                    try await NotificationHarness.history(request.notificationID, probe).contains("unknown-settled")
                }
            }
            let row = try await NotificationHarness.status(request.notificationID, probe)
            #expect(row?.status == "unknown")
            #expect(row?.reason?.contains("not resent") == true)
            #expect(gateway.received(to: phone.e164).count == 1)
        }
    }

    @Test("a gateway too slow to answer: the outcome is unknown, Twilio is asked, and the SMS is not sent twice")
    func slowGateway() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let phone = NotificationHarness.phone()
        gateway.script(for: phone.e164, [.slow(.seconds(4))])
        let request = try NotificationHarness.request(to: phone)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            var configuration = NotificationHarness.configuration(.twilio, gateway: gateway)
            configuration.httpTimeout = .seconds(1)
            let app = try NotificationHarness.app(configuration)
            try await withRunningServices([app]) {
                try await NotificationHarness.store([request], client: probe)
                try await NotificationHarness.waitFor(request.notificationID, ["sent"], probe)
            }
            #expect(gateway.received(to: phone.e164).count == 1)
            #expect(try await NotificationHarness.history(request.notificationID, probe) == ["queued", "sending", "unknown", "sent"])
        }
    }

    @Test("two instances on one table and one consumer group send each of 40 requests exactly once")
    func twoInstances() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
        let phones = (0..<40).map { _ in NotificationHarness.phone() }
        let requests = try phones.map { try NotificationHarness.request(to: $0) }
        try await withRunningServices([probe, producer, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            var configuration = NotificationHarness.configuration(.twilio, gateway: gateway)
            configuration.dispatchers = 3
            let group = TestEnvironment.uniqueName("hotline-notification")
            let first = try NotificationHarness.app(configuration, group: group)
            let second = try NotificationHarness.app(configuration, group: group)
            try await withRunningServices([first, second]) {
                try await producer.createTopics([TopicSpecification(name: Topic.notificationsRequested, partitions: 3)])
                for request in requests {
                    let record = try NotificationHarness.record(request)
                    try await producer.send(record)
                    try await producer.send(record)  // and each one redelivered
                }
                for request in requests { try await NotificationHarness.waitFor(request.notificationID, ["sent"], probe, timeout: .seconds(90)) }
            }
            #expect(phones.allSatisfy { gateway.received(to: $0.e164).count == 1 })
            let instances = try await probe.query("""
                SELECT count(DISTINCT instance) FROM notification.history
                WHERE status = 'sending' AND notification_id = ANY(\(requests.map(\.notificationID)))
                """, logger: logger).decode(Int.self).all()
            print("two instances: 40 requests sent by \(instances.first ?? 0) instance(s), \(gateway.received.count) gateway calls")
        }
    }
}

extension NotificationServiceTests {
    @Test("a claimed batch's sends are recorded together: each SMS once, with its history and status events")
    func batchRecordedTogether() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            var configuration = NotificationHarness.configuration(.africastalking, gateway: gateway)
            configuration.dispatchers = 1
            configuration.dispatchBatch = 8
            let phones = (0..<6).map { _ in NotificationHarness.phone() }
            let requests = try phones.map { try NotificationHarness.request(to: $0) }
            // Stored before the dispatcher starts, so that its first claim takes all six.
            try await NotificationHarness.store(requests, client: probe)
            let dispatcher = NotificationHarness.dispatcher(configuration, client: probe, instance: "batch")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await dispatcher.run() }
                for request in requests { try await NotificationHarness.waitFor(request.notificationID, ["sent"], probe) }
                group.cancelAll()
                try? await group.waitForAll()
            }
            for (phone, request) in zip(phones, requests) {
                #expect(gateway.received(to: phone.e164).count == 1, "one SMS per request")
                #expect(try await NotificationHarness.history(request.notificationID, probe) == ["queued", "sending", "sent"])
                let events = try await NotificationHarness.statusEvents(request.notificationID, probe)
                #expect(events.map(\.status) == [.queued, .sent])
                #expect(events.last?.providerMessageID != nil && events.last?.segments == 1, "the sent event carries the gateway's id and the segments")
            }
            let claims = try await probe.query("""
                SELECT count(DISTINCT claimed_at) FROM notification.notifications
                WHERE notification_id = ANY(\(requests.map(\.notificationID)))
                """, logger: logger).decode(Int.self).all()
            #expect(claims == [1], "the six were claimed, and so recorded, as one batch")
        }
    }
}

extension NotificationServiceTests {
    @Test("a delivery report that crossed its send's record is not stranded: recovery applies it")
    func strandedDeliveryReportApplied() async throws {
        let gateway = FakeGateway()
        let probe = try TestEnvironment.database.makeClient(logger: logger)
        try await withRunningServices([probe, gateway.makeService()]) {
            try await NotificationHarness.prepare(probe)
            try await eventually("fake gateway listening") { gateway.port != nil }
            let configuration = NotificationHarness.configuration(.africastalking, gateway: gateway)
            let request = try NotificationHarness.request(to: NotificationHarness.phone())
            try await NotificationHarness.store([request], client: probe)
            let dispatcher = NotificationHarness.dispatcher(configuration, client: probe, instance: "stranded")
            #expect(try await dispatcher.dispatchDue(), "the request was due and sent")
            #expect(try await NotificationHarness.status(request.notificationID, probe)?.status == "sent")
            // The crossing: the report's transaction stored it as waiting (no recorded send yet), and
            // the send's record looked for waiting reports before that committed.
            try await probe.query("""
                INSERT INTO notification.pending_delivery_reports (event_id, provider, provider_message_id, status, provider_status, received_at)
                SELECT \(UUID().uuidString), provider, provider_message_id, 'delivered', 'Success', now()
                FROM notification.notifications WHERE notification_id = \(request.notificationID)
                """, logger: logger)
            try await dispatcher.recoverOnce()
            #expect(try await NotificationHarness.status(request.notificationID, probe)?.status == "delivered")
            #expect(try await NotificationHarness.history(request.notificationID, probe).last == "delivered")
            let waiting = try await probe.query("""
                SELECT count(*) FROM notification.pending_delivery_reports p JOIN notification.notifications n
                    ON n.provider = p.provider AND n.provider_message_id = p.provider_message_id
                WHERE n.notification_id = \(request.notificationID)
                """, logger: logger).decode(Int.self).all()
            #expect(waiting == [0], "the waiting report was consumed")
        }
    }
}
