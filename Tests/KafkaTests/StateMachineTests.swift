@testable import HotlineKafka
import Testing

/// The lock-protected state machines, without a broker.
@Suite("Kafka state machines")
struct StateMachineTests {
    @Test("a batch completes once every record has a report, in the order the records were sent")
    func producerBatchCompletion() async throws {
        let reports = try await withCheckedThrowingContinuation { continuation in
            var machine = ProducerStateMachine()
            guard case .produce(let opaques) = machine.registerBatch(count: 3, continuation) else {
                Issue.record("registration rejected")
                return
            }
            #expect(opaques.count == 3 && !opaques.contains(0), "opaque 0 would reach librdkafka as a null pointer")
            // Reports arrive out of order; the caller still sees them in send order.
            #expect(machine.complete(opaques[2], with: .success(DeliveryReport(topic: "t", partition: 0, offset: 12))) == nil)
            #expect(machine.complete(opaques[0], with: .success(DeliveryReport(topic: "t", partition: 0, offset: 10))) == nil)
            machine.complete(opaques[1], with: .success(DeliveryReport(topic: "t", partition: 0, offset: 11)))?.resume()
        }
        #expect(reports.map(\.offset) == [10, 11, 12])
    }

    @Test("one failed record fails its batch, and shutdown fails callers still waiting")
    func producerFailures() async {
        await #expect(throws: KafkaError.self) {
            try await withCheckedThrowingContinuation { continuation in
                var machine = ProducerStateMachine()
                guard case .produce(let opaques) = machine.registerBatch(count: 2, continuation) else { return }
                _ = machine.complete(opaques[0], with: .failure(KafkaError(code: .timedOut, message: "x")))
                machine.complete(opaques[1], with: .success(DeliveryReport(topic: "t", partition: 0, offset: 1)))?.resume()
            }
        }
        await #expect(throws: KafkaError.self) {
            try await withCheckedThrowingContinuation { continuation in
                var machine = ProducerStateMachine()
                _ = machine.registerBatch(count: 1, continuation)
                machine.beginShutdown()
                for completion in machine.finish() { completion.resume() }
            }
        }
        var machine = ProducerStateMachine()
        machine.beginShutdown()
        await #expect(throws: KafkaError.self) {
            try await withCheckedThrowingContinuation { continuation in
                if case .reject = machine.registerBatch(count: 1, continuation) {
                    continuation.resume(throwing: KafkaError(code: .shutDown, message: "rejected"))
                }
            }
        }
    }

    @Test("a cancelled caller is failed at once, late reports are ignored, and cancelling before registering rejects")
    func producerCancellation() async {
        var machine = ProducerStateMachine()
        var lateOpaques: [UInt] = []
        await #expect(throws: CancellationError.self) {
            try await withCheckedThrowingContinuation { (continuation: ProducerStateMachine.Waiter) in
                let id = machine.reserveBatchID()
                guard case .produce(let opaques) = machine.registerBatch(id, count: 2, continuation) else { return }
                lateOpaques = opaques
                #expect(machine.complete(opaques[0], with: .success(DeliveryReport(topic: "t", partition: 0, offset: 1))) == nil)
                machine.cancel(id)?.resume()
            }
        }
        #expect(machine.complete(lateOpaques[1], with: .success(DeliveryReport(topic: "t", partition: 0, offset: 2))) == nil,
                "a report arriving after the caller gave up must not resume anyone")
        let early = machine.reserveBatchID()
        #expect(machine.cancel(early) == nil)
        await #expect(throws: CancellationError.self) {
            try await withCheckedThrowingContinuation { (continuation: ProducerStateMachine.Waiter) in
                if case .reject(let error) = machine.registerBatch(early, count: 1, continuation) {
                    continuation.resume(throwing: error)
                } else {
                    Issue.record("a batch cancelled before registration was accepted")
                }
            }
        }
    }

    @Test("consumer: subscribe on first poll; stop waits for the record in hand, then ends the sequence")
    func consumerStop() async {
        var machine = ConsumerStateMachine()
        guard case .subscribeAndPoll = machine.willPoll(callerIsStopping: false) else {
            Issue.record("first poll must subscribe")
            return
        }
        machine.didReceive()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            #expect(machine.requestStop(waiter: waiter) == .waitForCaller, "a record is being handled")
            guard case .finish(let toResume) = machine.willPoll(callerIsStopping: false) else {
                Issue.record("the next poll after a stop request must end the sequence")
                return
            }
            #expect(toResume != nil)
            toResume?.resume()
        }
        guard case .finish(nil) = machine.willPoll(callerIsStopping: false) else {
            Issue.record("a stopped consumer stays stopped")
            return
        }
    }

    @Test("consumer: stopping an idle consumer closes at once; a caller that never returns is forced")
    func consumerIdleAndForcedStop() async {
        var idle = ConsumerStateMachine()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            #expect(idle.requestStop(waiter: waiter) == .stopNow)
            waiter.resume()
        }
        var stuck = ConsumerStateMachine()
        _ = stuck.willPoll(callerIsStopping: false)
        stuck.didReceive()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            _ = stuck.requestStop(waiter: waiter)
            let forced = stuck.forceStop()
            #expect(forced != nil)
            forced?.resume()
        }
        #expect(stuck.forceStop() == nil, "a waiter is resumed once")
    }

    @Test("retry backoff grows, stays within its ceiling, and is jittered")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        for attempt in 1...10 {
            let delay = policy.backoff(afterAttempt: attempt)
            #expect(delay <= .seconds(1))
            #expect(delay >= .milliseconds(50))
        }
        #expect(policy.backoff(afterAttempt: 1) <= .milliseconds(100))
        let samples = Set((0..<20).map { _ in policy.backoff(afterAttempt: 4) })
        #expect(samples.count > 1)
    }
}

extension ProducerStateMachine {
    mutating func registerBatch(count: Int, _ waiter: Waiter) -> RegisterAction {
        let id = reserveBatchID()
        return registerBatch(id, count: count, waiter)
    }
}
