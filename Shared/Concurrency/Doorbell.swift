import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Wakes pollers early when there is new work, so that a quiet poll interval is not also the
/// latency of the first item after a lull. Polling stays the safety net: a ring only shortens a wait.
///
/// A ring while nobody waits is remembered once, so work committed just before a poller starts
/// waiting is not slept past.
public final class Doorbell: Sendable {
    private enum Waiter {
        case registering
        case waiting(CheckedContinuation<Void, Never>)
        /// Rung or cancelled before its continuation was registered: resume it at registration.
        case released
    }

    private struct State {
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        var rangUnheard = false
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Wakes every current waiter, or the next one if none waits.
    public func ring() {
        let continuations = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.rangUnheard = true
                return []
            }
            var continuations: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in state.waiters {
                switch waiter {
                case .waiting(let continuation):
                    continuations.append(continuation)
                    state.waiters[id] = nil
                case .registering:
                    state.waiters[id] = .released
                case .released:
                    break
                }
            }
            return continuations
        }
        for continuation in continuations { continuation.resume() }
    }

    /// Returns after `timeout`, at the first ring, or on cancellation, whichever comes first.
    public func wait(upTo timeout: Duration) async {
        if state.withLockedValue({ state in defer { state.rangUnheard = false }; return state.rangUnheard }) { return }
        // A ring between the look above and this registration is taken here, not slept past.
        let id = state.withLockedValue { state in
            defer { state.nextID &+= 1 }
            state.waiters[state.nextID] = state.rangUnheard ? .released : .registering
            state.rangUnheard = false
            return state.nextID
        }
        // An event-loop timer, cancelled when a ring comes first; a sleeping task would stay
        // allocated for the whole timeout after every early ring.
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(timeout)) {
            self.release(id)
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    guard case .registering = state.waiters[id] else {
                        state.waiters[id] = nil
                        return true
                    }
                    state.waiters[id] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            release(id)
        }
    }

    /// Resumes one waiter early (its timeout or its task's cancellation).
    private func release(_ id: UInt64) {
        let continuation = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            switch state.waiters[id] {
            case .waiting(let continuation):
                state.waiters[id] = nil
                return continuation
            case .registering:
                state.waiters[id] = .released
                return nil
            case .released, nil:
                // Already resumed (a ring won the race) or about to be.
                return nil
            }
        }
        continuation?.resume()
    }
}
