import Synchronization

/// Recently loaded aggregate states keyed by stream id, each with the stream version it reflects,
/// so that a command on a hot aggregate reads only the events since. Bounded by entry count; the
/// least recently used entries go first.
public final class AggregateCache: Sendable {
    private struct Entry {
        var version: UInt64
        var state: any Sendable
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    private let state = Mutex(State())
    /// The most entries kept.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// The cached state of `streamId` if it is of type `A`.
    func get<A: Aggregate>(_ type: A.Type, streamId: String) -> (state: A, version: UInt64)? {
        state.withLock { state in
            state.clock += 1
            guard var entry = state.entries[streamId], let aggregate = entry.state as? A else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            entry.lastUse = state.clock
            state.entries[streamId] = entry
            return (aggregate, entry.version)
        }
    }

    /// Remembers `aggregate` at `version`, unless a newer version is cached already.
    func put<A: Aggregate>(_ aggregate: A, version: UInt64, streamId: String) {
        state.withLock { state in
            state.clock += 1
            if let existing = state.entries[streamId], existing.version > version { return }
            state.entries[streamId] = Entry(version: version, state: aggregate, lastUse: state.clock)
            if state.entries.count > capacity {
                // Drop the least recently used tenth in one pass.
                let victims = state.entries.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(max(1, capacity / 10))
                for (key, _) in victims { state.entries.removeValue(forKey: key) }
            }
        }
    }

    /// Entries, hits and misses, for metrics.
    public var counts: (entries: Int, hits: Int, misses: Int) {
        state.withLock { ($0.entries.count, $0.hits, $0.misses) }
    }
}
