import HotlineStorage
import NIOConcurrencyHelpers
import Testing

/// Group commit without a database: batching, per-item outcomes, failures and shutdown.
@Suite("Group commit")
struct GroupCommitTests {
    /// Opens once; commits wait on it so the test controls when a batch ends.
    final class Gate: Sendable {
        private let stream: AsyncStream<Void>
        private let continuation: AsyncStream<Void>.Continuation

        init() { (stream, continuation) = AsyncStream.makeStream() }
        func open() { continuation.finish() }
        func wait() async { for await _ in stream {} }
    }

    static func configuration(batch: Int, commits: Int = 1, waiting: Int = 100) -> GroupCommitConfiguration {
        var configuration = GroupCommitConfiguration()
        configuration.maximumBatchSize = batch
        configuration.concurrentCommits = commits
        configuration.maximumWaiting = waiting
        return configuration
    }

    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition(), "timed out after 10 s waiting until \(what)")
    }

    @Test("a lone item is committed alone and at once")
    func loneItem() async throws {
        let batches = NIOLockedValueBox<[[Int]]>([])
        let committer = GroupCommitter<Int, Int>(configuration: Self.configuration(batch: 8)) { items in
            batches.withLockedValue { $0.append(items) }
            return items.map { $0 * 2 }
        }
        try await withThrowingTaskGroup { group in
            group.addTask { await committer.run() }
            let doubled = try await committer.submit(21)
            #expect(doubled == 42)
            group.cancelAll()
        }
        #expect(batches.withLockedValue { $0 } == [[21]])
    }

    @Test("items arriving during a commit share the next ones, in order, up to the batch size; each gets its own outcome")
    func batching() async throws {
        let gate = Gate()
        let batches = NIOLockedValueBox<[[Int]]>([])
        let committer = GroupCommitter<Int, Int>(configuration: Self.configuration(batch: 4)) { items in
            let first = batches.withLockedValue { batches in
                batches.append(items)
                return batches.count == 1
            }
            if first { await gate.wait() }
            return items.map { $0 * 2 }
        }
        try await withThrowingTaskGroup { group in
            group.addTask { await committer.run() }
            try await withThrowingTaskGroup(of: (Int, Int).self) { submitters in
                submitters.addTask { (0, try await committer.submit(0)) }
                try await Self.waitUntil("the first commit started") { batches.withLockedValue { $0.count } == 1 }
                for item in 1...9 { submitters.addTask { (item, try await committer.submit(item)) } }
                try await Self.waitUntil("nine items wait") { committer.waitingCount == 9 }
                gate.open()
                for try await (item, outcome) in submitters { #expect(outcome == item * 2) }
            }
            group.cancelAll()
        }
        let sizes = batches.withLockedValue { $0.map(\.count) }
        #expect(sizes == [1, 4, 4, 1])
        #expect(batches.withLockedValue { $0.flatMap { $0 } }.sorted() == Array(0...9))
    }

    struct CommitFailed: Error {}

    @Test("a failed commit fails every item of its batch and no other")
    func failure() async throws {
        let gate = Gate()
        let calls = NIOLockedValueBox(0)
        let committer = GroupCommitter<Int, Int>(configuration: Self.configuration(batch: 8)) { items in
            let call = calls.withLockedValue { calls in
                calls += 1
                return calls
            }
            if call == 1 { await gate.wait() }
            if call == 2 { throw CommitFailed() }
            return items
        }
        try await withThrowingTaskGroup { group in
            group.addTask { await committer.run() }
            try await withThrowingTaskGroup(of: (Int, Bool).self) { submitters in
                submitters.addTask { (0, (try? await committer.submit(0)) != nil) }
                try await Self.waitUntil("the first commit started") { calls.withLockedValue { $0 } == 1 }
                for item in 1...3 { submitters.addTask { (item, (try? await committer.submit(item)) != nil) } }
                try await Self.waitUntil("three items wait") { committer.waitingCount == 3 }
                gate.open()
                var committed: [Int: Bool] = [:]
                for try await (item, ok) in submitters { committed[item] = ok }
                #expect(committed == [0: true, 1: false, 2: false, 3: false])
            }
            let later = try await committer.submit(4)
            #expect(later == 4)
            group.cancelAll()
        }
    }

    @Test("stopping commits what already waits, then refuses new items")
    func shutdown() async throws {
        let gate = Gate()
        let committed = NIOLockedValueBox<[Int]>([])
        let started = NIOLockedValueBox(false)
        let committer = GroupCommitter<Int, Int>(configuration: Self.configuration(batch: 2)) { items in
            if !started.withLockedValue({ started in defer { started = true }; return started }) { await gate.wait() }
            committed.withLockedValue { $0 += items }
            return items
        }
        try await withThrowingTaskGroup { group in
            group.addTask { await committer.run() }
            try await withThrowingTaskGroup(of: Int.self) { submitters in
                submitters.addTask { try await committer.submit(0) }
                try await Self.waitUntil("the first commit started") { started.withLockedValue { $0 } }
                for item in 1..<5 { submitters.addTask { try await committer.submit(item) } }
                try await Self.waitUntil("four items wait behind the first") { committer.waitingCount == 4 }
                group.cancelAll()
                gate.open()
                var outcomes: [Int] = []
                for try await outcome in submitters { outcomes.append(outcome) }
                #expect(outcomes.sorted() == Array(0..<5))
            }
            try await group.waitForAll()
        }
        #expect(committed.withLockedValue { $0 }.sorted() == Array(0..<5))
        await #expect(throws: GroupCommitUnavailable.self) { try await committer.submit(9) }
    }

    @Test("beyond the waiting bound an item is refused at once, not queued")
    func overload() async throws {
        let gate = Gate()
        let started = NIOLockedValueBox(false)
        let committer = GroupCommitter<Int, Int>(configuration: Self.configuration(batch: 1, waiting: 2)) { items in
            started.withLockedValue { $0 = true }
            await gate.wait()
            return items
        }
        try await withThrowingTaskGroup { group in
            group.addTask { await committer.run() }
            try await withThrowingTaskGroup(of: Void.self) { submitters in
                submitters.addTask { _ = try await committer.submit(0) }
                try await Self.waitUntil("the first commit started") { started.withLockedValue { $0 } }
                for item in 1...2 { submitters.addTask { _ = try await committer.submit(item) } }
                try await Self.waitUntil("two items wait") { committer.waitingCount == 2 }
                await #expect {
                    try await committer.submit(3)
                } throws: { error in
                    (error as? GroupCommitUnavailable)?.reason == .overloaded
                }
                gate.open()
                try await submitters.waitForAll()
            }
            group.cancelAll()
        }
    }
}
