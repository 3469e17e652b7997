import Synchronization

/// Recently used aggregate states keyed by stream id, each with the stream version it reflects,
/// so that a command on a hot aggregate reads only the events since.
///
/// Bounded by entry count in two generations: entries go into the young one; when it holds half
/// the capacity, it becomes the old one and the old one is dropped whole. A hit in the old
/// generation moves the entry back to the young one. Every operation is O(1): at thousands of
/// new orders a second, evicting by sorting on last use cost more than the cache saved.
public final class AggregateCache: Sendable {
    private struct Entry {
        var version: UInt64
        var state: any Sendable
    }

    private struct State {
        var young: [String: Entry] = [:]
        var old: [String: Entry] = [:]
        var hits = 0
        var misses = 0
    }

    private let state = Mutex(State())
    /// The most entries kept.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = max(2, capacity)
    }

    /// The cached state of `streamId` if it is of type `A`.
    func get<A: Aggregate>(_ type: A.Type, streamId: String) -> (state: A, version: UInt64)? {
        state.withLock { state in
            if let entry = state.young[streamId], let aggregate = entry.state as? A {
                state.hits += 1
                return (aggregate, entry.version)
            }
            if let entry = state.old.removeValue(forKey: streamId), let aggregate = entry.state as? A {
                state.hits += 1
                insert(entry, streamId, into: &state)
                return (aggregate, entry.version)
            }
            state.misses += 1
            return nil
        }
    }

    /// Remembers `aggregate` at `version`, unless a newer version is cached already.
    func put<A: Aggregate>(_ aggregate: A, version: UInt64, streamId: String) {
        state.withLock { state in
            if let existing = state.young[streamId] ?? state.old[streamId], existing.version > version { return }
            state.old.removeValue(forKey: streamId)
            insert(Entry(version: version, state: aggregate), streamId, into: &state)
        }
    }

    private func insert(_ entry: Entry, _ streamId: String, into state: inout State) {
        state.young[streamId] = entry
        if state.young.count >= capacity / 2 {
            state.old = state.young
            state.young = [:]
        }
    }

    /// Entries, hits and misses, for metrics.
    public var counts: (entries: Int, hits: Int, misses: Int) {
        state.withLock { ($0.young.count + $0.old.count, $0.hits, $0.misses) }
    }
}
