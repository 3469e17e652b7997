import StrataStore
import Synchronization

/// Read-model rows as last decoded or encoded, by table and key, each kept with its bytes: a read
/// whose stored bytes are the same bytes takes the value instead of decoding it again. Nothing can
/// go stale — whatever wrote a row, and whether its transaction committed or rolled back, a hit
/// needs byte-for-byte the bytes the value stands for. The hot rows of a busy shop (the products
/// an order reserves, the order a payment moves) are decoded once, not once per command.
///
/// Bounded by entry count in two generations (as ``AggregateCache``).
public final class RowCache: Sendable {
    private struct Key: Hashable {
        var table: Table
        var key: [UInt8]
    }

    private struct Entry {
        var bytes: [UInt8]
        var value: any Sendable
    }

    private struct Generations {
        var young: [Key: Entry] = [:]
        var old: [Key: Entry] = [:]
    }

    private let state = Mutex(Generations())
    /// The most rows kept.
    public let capacity: Int

    public init(capacity: Int = 20_000) {
        self.capacity = max(2, capacity)
    }

    /// The value `bytes` decode to under `key` of `table`, if it is cached with those bytes.
    func value<T: Sendable>(_ type: T.Type, table: Table, key: [UInt8], bytes: [UInt8]) -> T? {
        state.withLock { state in
            let cacheKey = Key(table: table, key: key)
            if let entry = state.young[cacheKey] {
                return entry.bytes == bytes ? entry.value as? T : nil
            }
            guard let entry = state.old.removeValue(forKey: cacheKey), entry.bytes == bytes else { return nil }
            insert(entry, cacheKey, into: &state)
            return entry.value as? T
        }
    }

    /// Remembers that `bytes` under `key` of `table` are `value`.
    func store(_ value: some Sendable, bytes: [UInt8], table: Table, key: [UInt8]) {
        state.withLock { state in
            let cacheKey = Key(table: table, key: key)
            state.old.removeValue(forKey: cacheKey)
            insert(Entry(bytes: bytes, value: value), cacheKey, into: &state)
        }
    }

    private func insert(_ entry: Entry, _ key: Key, into state: inout Generations) {
        state.young[key] = entry
        if state.young.count >= capacity / 2 {
            state.old = state.young
            state.young = [:]
        }
    }
}
