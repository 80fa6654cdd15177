import Dispatch
import NIOCore
import NIOPosix

/// The shared event loops, handed out round-robin even to callers running on one of them.
///
/// PostgresNIO opens each pooled connection on `group.any()`, which on an event loop thread is that
/// loop. With Swift concurrency on the event loops (`ServiceMain`), the pool runs on one of them,
/// so every connection landed on the same loop: under `wrk` that loop was busy 79 % of the time and
/// the other 34 %, since a task resumed by a connection's answer goes on running on its loop.
final class SpreadEventLoops: EventLoopGroup {
    static let shared = SpreadEventLoops(MultiThreadedEventLoopGroup.singleton)

    private let group: any EventLoopGroup

    init(_ group: any EventLoopGroup) { self.group = group }

    func next() -> any EventLoop { group.next() }

    func any() -> any EventLoop { group.next() }

    func makeIterator() -> EventLoopIterator { group.makeIterator() }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        // The shared singleton outlives every client; it is never shut down.
        queue.async { callback(nil) }
    }

    func _preconditionSafeToSyncShutdown(file: StaticString, line: UInt) {}
}
