import Synchronization

/// Tells subscribers where the log ends now. Each subscriber sees the newest head only (older
/// values are dropped, never queued without bound), so a slow reader cannot slow the writer.
package final class HeadNotifier: Sendable {
    package init() {}

    private let subscribers = Mutex<[Int: AsyncStream<UInt64>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    package func subscribe(current: UInt64) -> AsyncStream<UInt64> {
        let (stream, continuation) = AsyncStream.makeStream(of: UInt64.self, bufferingPolicy: .bufferingNewest(1))
        let id = nextID.add(1, ordering: .relaxed).newValue
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        continuation.yield(current)
        return stream
    }

    package func publish(_ head: UInt64) {
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations { continuation.yield(head) }
    }

    package func finishAll() {
        let continuations = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
