import HotlineConcurrency
import NIOConcurrencyHelpers
import Testing

/// The time bounds are loose on purpose: the suites run side by side on two cooperative threads,
/// and a busy moment there must not fail a test about what a deadline does.
@Suite("Deadlines that abandon what never ends")
struct DeadlineTests {
    @Test("a result within the deadline is returned, and an error is rethrown as thrown")
    func resultAndError() async throws {
        #expect(try await withDeadline(.seconds(60)) { 42 } == 42)
        await #expect(throws: Unreachable.self) {
            try await withDeadline(.seconds(60)) { () async throws -> Int in throw Unreachable() }
        }
    }

    @Test("an await that ignores cancellation and never ends is abandoned at the deadline")
    func abandonsWhatIgnoresCancellation() async throws {
        // A continuation nobody resumes: the shape of a query written to a connection already gone.
        let parked = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(200)) {
                await withCheckedContinuation { continuation in parked.withLockedValue { $0 = continuation } }
            }
        }
        #expect(ContinuousClock.now - started < .seconds(30), "the caller must not wait for the abandoned work")
        parked.withLockedValue { $0 }?.resume()
    }

    @Test("cancelling the caller cancels cooperative work at once")
    func callerCancellationReachesTheWork() async throws {
        let task = Task {
            try await withDeadline(.seconds(600)) { try await Task.sleep(for: .seconds(600)) }
        }
        task.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(30), "not the work's 600 s")
    }
}

private struct Unreachable: Error {}
