import Foundation
import Synchronization

/// The materialized-view cache: values made from read models (an HTTP layer keeps encoded bodies
/// with their ETags; the shop keeps users' statuses), bounded by their total size (least recently
/// used out first), dropped exactly when a projection reports their key changed.
///
/// A reader that loaded a view from a snapshot taken before a change must not put the old bytes
/// back after the change dropped them: an invalidation remembers the position it happened at, and
/// `store(_:for:)` refuses a view older than that.
public final class ViewCache<Value: Sendable>: Sendable {
    private struct Slot {
        var value: Value
        var size: Int
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

    /// A cache holding up to `capacityBytes` of values.
    public init(capacityBytes: Int = 64 << 20, invalidationMemory: Int = 100_000) {
        self.capacityBytes = capacityBytes
        self.invalidationMemory = invalidationMemory
    }

    /// The cached value, counting a hit or a miss.
    public func lookup(_ key: ViewKey) -> Value? {
        let found = state.withLock { state -> Value? in
            state.clock += 1
            guard var slot = state.slots[key] else { return nil }
            slot.lastUse = state.clock
            state.slots[key] = slot
            return slot.value
        }
        if found == nil {
            missCount.add(1, ordering: .relaxed)
        } else {
            hitCount.add(1, ordering: .relaxed)
        }
        return found
    }

    /// Keeps `value` (made from read models at `position`, taking `size` bytes) unless the key
    /// (or its whole view) was invalidated after `position`. Returns whether it was kept.
    @discardableResult
    public func store(_ value: Value, size: Int, position: UInt64, for key: ViewKey) -> Bool {
        guard size <= capacityBytes else { return false }
        return state.withLock { state in
            if position < state.floor { return false }
            if let at = state.invalidatedAt[key], position < at { return false }
            if let at = state.viewInvalidatedAt[key.view], position < at { return false }
            state.clock += 1
            if let old = state.slots[key] { state.bytes -= old.size }
            state.slots[key] = Slot(value: value, size: size, lastUse: state.clock)
            state.bytes += size
            if state.bytes > capacityBytes { evict(&state) }
            return true
        }
    }

    /// Drops `keys`, changed by the commit that made the log end at `position`.
    public func invalidate(_ keys: some Sequence<ViewKey>, at position: UInt64) {
        state.withLock { state in
            for key in keys {
                if let slot = state.slots.removeValue(forKey: key) { state.bytes -= slot.size }
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
                if let slot = state.slots.removeValue(forKey: key) { state.bytes -= slot.size }
            }
            state.viewInvalidatedAt[view] = max(state.viewInvalidatedAt[view] ?? 0, position)
        }
    }

    /// Drops what `invalidation` names.
    public func apply(_ invalidation: ViewInvalidation) {
        switch invalidation {
        case .keys(let keys, let position): invalidate(keys, at: position)
        case .view(let view, let position): invalidate(view: view, at: position)
        }
    }

    /// Drops entries as `invalidations` reports changes, from now on.
    public func follow(_ invalidations: ViewInvalidations) {
        invalidations.subscribe { [weak self] in self?.apply($0) }
    }

    private func evict(_ state: inout State) {
        let target = capacityBytes * 9 / 10
        for (key, slot) in state.slots.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard state.bytes > target else { break }
            state.slots.removeValue(forKey: key)
            state.bytes -= slot.size
        }
    }

    /// Hits, misses, entries and bytes held, for metrics.
    public var statistics: (hits: Int, misses: Int, entries: Int, bytes: Int) {
        let (entries, bytes) = state.withLock { ($0.slots.count, $0.bytes) }
        return (hitCount.load(ordering: .relaxed), missCount.load(ordering: .relaxed), entries, bytes)
    }
}
