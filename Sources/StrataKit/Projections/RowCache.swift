import StrataStore
import Synchronization

/// Read-model rows as last decoded or encoded, by table and key, each kept with its bytes: a read
/// whose stored bytes are the same bytes takes the value instead of decoding it again. Nothing can
/// go stale — whatever wrote a row, and whether its transaction committed or rolled back, a hit
/// needs byte-for-byte the bytes the value stands for. The hot rows of a busy shop (the products
/// an order reserves, the order a payment moves) are decoded once, not once per command.
///
/// Bounded by entry count in two generations (``TwoGenerations``).
public final class RowCache: Sendable {
    private struct Key: Hashable {
        var table: Table
        var key: [UInt8]
    }

    private struct Entry {
        var bytes: [UInt8]
        var value: any Sendable
    }

    private let state: Mutex<TwoGenerations<Key, Entry>>
    /// The most rows kept.
    public let capacity: Int

    public init(capacity: Int = 20_000) {
        self.capacity = max(2, capacity)
        self.state = Mutex(TwoGenerations(capacity: capacity))
    }

    /// The value `bytes` (stored under `key` of `table`) decode to: the cached one when it was
    /// decoded from these very bytes, else `decode`'s, remembered for the next read.
    func decoded<T: Sendable>(_ type: T.Type, table: Table, key: [UInt8], bytes: [UInt8], _ decode: ([UInt8]) throws -> T) rethrows -> T {
        if let cached = value(type, table: table, key: key, bytes: bytes) { return cached }
        let value = try decode(bytes)
        store(value, bytes: bytes, table: table, key: key)
        return value
    }

    /// The value `bytes` decode to under `key` of `table`, if it is cached with those bytes.
    func value<T: Sendable>(_ type: T.Type, table: Table, key: [UInt8], bytes: [UInt8]) -> T? {
        state.withLock { rows in
            guard let entry = rows.get(Key(table: table, key: key)), entry.bytes == bytes else { return nil }
            return entry.value as? T
        }
    }

    /// Remembers that `bytes` under `key` of `table` are `value`.
    func store(_ value: some Sendable, bytes: [UInt8], table: Table, key: [UInt8]) {
        state.withLock { rows in rows.set(Entry(bytes: bytes, value: value), for: Key(table: table, key: key)) }
    }
}
