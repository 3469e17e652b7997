import Foundation
import Synchronization

/// Names one cached response: a view (such as `"product"`) and a key within it (the product id).
public struct ViewKey: Sendable, Hashable, CustomStringConvertible {
    public var view: String
    public var key: String

    public init(view: String, key: String) {
        self.view = view
        self.key = key
    }

    public var description: String { "\(view)/\(key)" }
}

/// A cached response: the encoded bytes, their ETag, and the log position they reflect.
public struct CachedView: Sendable, Hashable {
    public var body: [UInt8]
    public var etag: String
    public var position: UInt64

    public init(body: [UInt8], etag: String, position: UInt64) {
        self.body = body
        self.etag = etag
        self.position = position
    }
}

/// The materialized-view cache: encoded responses kept in memory, bounded by total bytes (least
/// recently used out first), dropped exactly when a projection reports their key changed.
///
/// A reader that loaded a view from a snapshot taken before a change must not put the old bytes
/// back after the change dropped them: an invalidation remembers the position it happened at, and
/// ``store(_:for:)`` refuses a view older than that.
public final class ViewCache: Sendable {
    private struct Slot {
        var view: CachedView
        var lastUse: UInt64
    }

    private struct State {
        var slots: [ViewKey: Slot] = [:]
        /// The position each recently invalidated key was invalidated at.
        var invalidatedAt: [ViewKey: UInt64] = [:]
        /// Whole views invalidated (rebuilds): position per view.
        var viewInvalidatedAt: [String: UInt64] = [:]
        /// Views older than this are refused: raised when invalidation memory is trimmed.
        var floor: UInt64 = 0
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)
    /// The most bytes of bodies kept.
    public let capacityBytes: Int
    private let invalidationMemory: Int

    public init(capacityBytes: Int = 64 << 20, invalidationMemory: Int = 100_000) {
        self.capacityBytes = capacityBytes
        self.invalidationMemory = invalidationMemory
    }

    /// The cached view, counting a hit or a miss.
    public func lookup(_ key: ViewKey) -> CachedView? {
        let found = state.withLock { state -> CachedView? in
            state.clock += 1
            guard var slot = state.slots[key] else { return nil }
            slot.lastUse = state.clock
            state.slots[key] = slot
            return slot.view
        }
        if found == nil {
            missCount.add(1, ordering: .relaxed)
        } else {
            hitCount.add(1, ordering: .relaxed)
        }
        return found
    }

    /// Keeps `view` unless the key (or its whole view) was invalidated after `view.position`.
    /// Returns whether it was kept.
    @discardableResult
    public func store(_ view: CachedView, for key: ViewKey) -> Bool {
        guard view.body.count <= capacityBytes else { return false }
        return state.withLock { state in
            if view.position < state.floor { return false }
            if let at = state.invalidatedAt[key], view.position < at { return false }
            if let at = state.viewInvalidatedAt[key.view], view.position < at { return false }
            state.clock += 1
            if let old = state.slots[key] { state.bytes -= old.view.body.count }
            state.slots[key] = Slot(view: view, lastUse: state.clock)
            state.bytes += view.body.count
            if state.bytes > capacityBytes { evict(&state) }
            return true
        }
    }

    /// Drops `keys`, changed by the commit that made the log end at `position`.
    public func invalidate(_ keys: some Sequence<ViewKey>, at position: UInt64) {
        state.withLock { state in
            for key in keys {
                if let slot = state.slots.removeValue(forKey: key) { state.bytes -= slot.view.body.count }
                state.invalidatedAt[key] = max(state.invalidatedAt[key] ?? 0, position)
            }
            if state.invalidatedAt.count > invalidationMemory {
                // Forget old invalidations, and refuse anything older than what is forgotten.
                let sorted = state.invalidatedAt.sorted { $0.value < $1.value }
                let forget = sorted.prefix(state.invalidatedAt.count / 2)
                for (key, at) in forget {
                    state.invalidatedAt.removeValue(forKey: key)
                    state.floor = max(state.floor, at)
                }
            }
        }
    }

    /// Drops every entry of `view` (after a rebuild swapped its tables).
    public func invalidate(view: String, at position: UInt64) {
        state.withLock { state in
            for key in state.slots.keys where key.view == view {
                if let slot = state.slots.removeValue(forKey: key) { state.bytes -= slot.view.body.count }
            }
            state.viewInvalidatedAt[view] = max(state.viewInvalidatedAt[view] ?? 0, position)
        }
    }

    private func evict(_ state: inout State) {
        let target = capacityBytes * 9 / 10
        for (key, slot) in state.slots.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard state.bytes > target else { break }
            state.slots.removeValue(forKey: key)
            state.bytes -= slot.view.body.count
        }
    }

    /// Hits, misses, entries and bytes held, for metrics.
    public var statistics: (hits: Int, misses: Int, entries: Int, bytes: Int) {
        let (entries, bytes) = state.withLock { ($0.slots.count, $0.bytes) }
        return (hitCount.load(ordering: .relaxed), missCount.load(ordering: .relaxed), entries, bytes)
    }
}
