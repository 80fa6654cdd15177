import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The operation did not finish within its deadline and was abandoned.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public var deadline: Duration
    public var description: String { "operation exceeded its \(deadline) deadline and was abandoned" }
}

/// Runs `operation`; if it has not finished after `deadline`, cancels it and throws
/// `DeadlineExceeded` without waiting for it to end.
///
/// A task group cannot do this: it always waits for its children, and some awaits never end.
/// PostgresNIO 1.33 can lease a connection the server has just closed; a query written to it
/// after its handlers are gone is never answered, and cancellation does not reach it. The
/// operation therefore runs in an unstructured task that is abandoned at the deadline, so the
/// caller (an outbox relay, a consumer, an HTTP request) stays live and retries elsewhere. The
/// abandoned task holds nothing but a dead connection; if it ever finishes its result is dropped.
public func withDeadline<Result: Sendable>(
    _ deadline: Duration, operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let race = DeadlineRace<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task {
                do {
                    race.finish(with: .success(try await operation()))
                } catch {
                    race.finish(with: .failure(error))
                }
            }
            // An event-loop timer, not a sleeping task: a cancelled `Task.sleep` keeps its timer
            // and task allocated until the full deadline passes, which under load held tens of
            // thousands of finished deadlines (about 7 MiB in notification under overload).
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(deadline)) {
                if race.finish(with: .failure(DeadlineExceeded(deadline: deadline))) { work.cancel() }
            }
            race.attach(work: work, timer: timer)
        }
    } onCancel: {
        race.cancel()
    }
}

/// Resumes the caller exactly once: with the operation's result, the deadline, or cancellation.
private final class DeadlineRace<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var done = false
        var work: Task<Void, Never>?
        var timer: Scheduled<Void>?
        var cancelled = false
    }
    private let state = NIOLockedValueBox(State())

    func start(_ continuation: CheckedContinuation<Result, any Error>) {
        state.withLockedValue { $0.continuation = continuation }
    }

    func attach(work: Task<Void, Never>, timer: Scheduled<Void>) {
        let (done, cancelled) = state.withLockedValue { state in
            state.work = work
            state.timer = timer
            return (state.done, state.cancelled)
        }
        if done { timer.cancel() }
        // The timer stays as the backstop when the work ignores cancellation.
        if cancelled { work.cancel() }
    }

    /// Returns true if this call resumed the caller.
    @discardableResult
    func finish(with result: Swift.Result<Result, any Error>) -> Bool {
        let (continuation, timer) = state.withLockedValue { state -> (CheckedContinuation<Result, any Error>?, Scheduled<Void>?) in
            guard !state.done else { return (nil, nil) }
            state.done = true
            defer { state.continuation = nil }
            return (state.continuation, state.timer)
        }
        guard let continuation else { return false }
        timer?.cancel()
        continuation.resume(with: result)
        return true
    }

    func cancel() {
        let work = state.withLockedValue { state -> Task<Void, Never>? in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}
