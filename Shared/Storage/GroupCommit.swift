import NIOConcurrencyHelpers
import ServiceLifecycle

/// Group commit: items submitted while a commit is under way share the next one, so N concurrent
/// requests cost one round trip, one transaction and one WAL flush instead of N. Nothing waits
/// for a batch to fill: an idle committer takes whatever is waiting, so a lone item is committed
/// alone and at once, and batches grow only when commits are already busy.
///
/// Each submitter gets its own item's outcome, or the batch's error. The commit closure sees the
/// items in submission order and must return one outcome per item, in the same order.
///
/// A `Service`: run it in the service group after the HTTP server's dependencies and before the
/// server, so that at shutdown the server drains first and the committer then empties its queue.
public final class GroupCommitter<Item: Sendable, Outcome: Sendable>: Service, Sendable {
    private struct Waiting {
        var item: Item
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var idleCommitters: [CheckedContinuation<Void, Never>] = []
        var isClosed = false
    }

    private enum Next {
        case commit([Waiting])
        case wait
        case finish
    }

    private let configuration: GroupCommitConfiguration
    private let commit: @Sendable ([Item]) async throws -> [Outcome]
    private let state = NIOLockedValueBox(State())

    public init(configuration: GroupCommitConfiguration = GroupCommitConfiguration(), commit: @escaping @Sendable ([Item]) async throws -> [Outcome]) {
        precondition(configuration.maximumBatchSize > 0 && configuration.concurrentCommits > 0)
        self.configuration = configuration
        self.commit = commit
    }

    /// Returns once `item` is committed (or its batch failed). Not cancellable: an item handed to a
    /// commit is committed or not whatever its submitter does meanwhile.
    public func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let action = state.withLockedValue { state -> Result<CheckedContinuation<Void, Never>?, GroupCommitUnavailable> in
                if state.isClosed { return .failure(GroupCommitUnavailable(reason: .closed)) }
                if state.waiting.count >= configuration.maximumWaiting { return .failure(GroupCommitUnavailable(reason: .overloaded)) }
                state.waiting.append(Waiting(item: item, continuation: continuation))
                return .success(state.idleCommitters.popLast())
            }
            switch action {
            case .success(let committer): committer?.resume()
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
    }

    /// Items submitted and not yet handed to a commit.
    public var waitingCount: Int { state.withLockedValue { $0.waiting.count } }

    public func run() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for _ in 0..<configuration.concurrentCommits {
                        group.addTask { await self.commitUntilClosed() }
                    }
                }
            } onGracefulShutdown: {
                self.close()
            }
        } onCancel: {
            self.close()
        }
    }

    /// Refuses new items and wakes idle committers; those still waiting are committed first.
    private func close() {
        let idle = state.withLockedValue { state in
            state.isClosed = true
            defer { state.idleCommitters = [] }
            return state.idleCommitters
        }
        for committer in idle { committer.resume() }
    }

    private func commitUntilClosed() async {
        while true {
            switch next() {
            case .commit(let batch):
                await commitBatch(batch)
            case .finish:
                return
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    // Registered under the lock that `submit` and `close` take, so no wake-up is missed.
                    let resumeNow = state.withLockedValue { state in
                        guard state.waiting.isEmpty, !state.isClosed else { return true }
                        state.idleCommitters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    private func next() -> Next {
        state.withLockedValue { state in
            if state.waiting.isEmpty { return state.isClosed ? .finish : .wait }
            let count = min(state.waiting.count, configuration.maximumBatchSize)
            defer { state.waiting.removeFirst(count) }
            return .commit(Array(state.waiting.prefix(count)))
        }
    }

    private func commitBatch(_ batch: [Waiting]) async {
        do {
            let outcomes = try await commit(batch.map(\.item))
            guard outcomes.count == batch.count else {
                throw GroupCommitUnavailable(reason: .outcomeCountMismatch(expected: batch.count, got: outcomes.count))
            }
            for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(returning: outcome) }
        } catch {
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        }
    }
}

public struct GroupCommitConfiguration: Sendable {
    /// The most items in one commit.
    public var maximumBatchSize = 64
    /// Commits in flight at once, each on its own connection.
    public var concurrentCommits = 4
    /// Items waiting beyond this are refused at once (`GroupCommitUnavailable`), not queued.
    public var maximumWaiting = 4_096

    public init() {}
}

/// The group committer could not take or finish an item. Not the database's answer: retry later.
public struct GroupCommitUnavailable: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case closed
        case overloaded
        case outcomeCountMismatch(expected: Int, got: Int)
    }

    public var reason: Reason

    public var description: String {
        switch reason {
        case .closed: "group commit is shut down"
        case .overloaded: "too many items are waiting for group commit"
        case .outcomeCountMismatch(let expected, let got): "group commit returned \(got) outcomes for \(expected) items"
        }
    }
}
