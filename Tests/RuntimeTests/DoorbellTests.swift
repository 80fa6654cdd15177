import HotlineConcurrency
import Testing

@Suite("Doorbell")
struct DoorbellTests {
    @Test("a ring wakes a waiter long before its timeout")
    func ringWakesWaiter() async throws {
        let doorbell = Doorbell()
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await doorbell.wait(upTo: .seconds(60)) }
            // Rung until the waiter returns: a ring before it registers is remembered anyway.
            group.addTask {
                while !Task.isCancelled {
                    doorbell.ring()
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            await group.next()
            group.cancelAll()
        }
        #expect(ContinuousClock.now - started < .seconds(30), "the wait ended at a ring, not at its 60 s timeout")
    }

    @Test("a ring nobody heard is remembered for the next wait, once")
    func unheardRingIsRememberedOnce() async {
        let doorbell = Doorbell()
        doorbell.ring()
        let first = ContinuousClock.now
        await doorbell.wait(upTo: .seconds(60))
        #expect(ContinuousClock.now - first < .seconds(30), "the remembered ring ended the first wait")
        let second = ContinuousClock.now
        await doorbell.wait(upTo: .milliseconds(50))
        #expect(ContinuousClock.now - second >= .milliseconds(50), "the ring was used up: the second wait ran to its timeout")
    }

    @Test("cancelling a waiter ends its wait")
    func cancellationEndsWait() async {
        let doorbell = Doorbell()
        let started = ContinuousClock.now
        let waiter = Task { await doorbell.wait(upTo: .seconds(60)) }
        waiter.cancel()
        await waiter.value
        #expect(ContinuousClock.now - started < .seconds(30), "cancellation ended the wait")
        // The registration was cleaned up: a later ring is remembered for the next waiter.
        doorbell.ring()
        let next = ContinuousClock.now
        await doorbell.wait(upTo: .seconds(60))
        #expect(ContinuousClock.now - next < .seconds(30))
    }
}
