import Synchronization

/// Recently used aggregate states keyed by stream id, each with the stream version it reflects,
/// so that a command on a hot aggregate reads only the events since.
///
/// Bounded by entry count in two generations (``TwoGenerations``), every operation O(1): at
/// thousands of new orders a second, evicting by sorting on last use cost more than the cache saved.
public final class AggregateCache: Sendable {
    private struct Entry {
        var version: UInt64
        var state: any Sendable
    }

    private struct State {
        var entries: TwoGenerations<String, Entry>
        var hits = 0
        var misses = 0
    }

    private let state: Mutex<State>
    /// The most entries kept.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = max(2, capacity)
        self.state = Mutex(State(entries: TwoGenerations(capacity: capacity)))
    }

    /// The cached state of `streamId` if it is of type `A`.
    func get<A: Aggregate>(_ type: A.Type, streamId: String) -> (state: A, version: UInt64)? {
        state.withLock { state in
            guard let entry = state.entries.get(streamId), let aggregate = entry.state as? A else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            return (aggregate, entry.version)
        }
    }

    /// Remembers `aggregate` at `version`, unless a newer version is cached already.
    func put<A: Aggregate>(_ aggregate: A, version: UInt64, streamId: String) {
        state.withLock { state in
            if let existing = state.entries.peek(streamId), existing.version > version { return }
            state.entries.set(Entry(version: version, state: aggregate), for: streamId)
        }
    }

    /// Entries, hits and misses, for metrics.
    public var counts: (entries: Int, hits: Int, misses: Int) {
        state.withLock { ($0.entries.count, $0.hits, $0.misses) }
    }
}
