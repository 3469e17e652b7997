/// A bounded map in two generations, every operation O(1): entries go into the young
/// generation; when it holds half the capacity it becomes the old one, and the old one is dropped
/// whole. Finding an entry in the old generation moves it back to the young one, so what is used
/// stays. The caches of aggregates, rows and verified tokens keep their entries in one, behind
/// their lock.
public struct TwoGenerations<Key: Hashable, Value> {
    private var young: [Key: Value] = [:]
    private var old: [Key: Value] = [:]
    /// The most entries held (both generations together).
    public let capacity: Int

    /// An empty map of at most `capacity` entries (at least 2).
    public init(capacity: Int) {
        self.capacity = max(2, capacity)
    }

    /// The entry under `key`, if either generation has it (moved to the young one).
    public mutating func get(_ key: Key) -> Value? {
        if let value = young[key] { return value }
        guard let value = old.removeValue(forKey: key) else { return nil }
        insert(value, for: key)
        return value
    }

    /// The entry under `key` without moving it.
    public func peek(_ key: Key) -> Value? {
        young[key] ?? old[key]
    }

    /// Puts `value` under `key` in the young generation.
    public mutating func set(_ value: Value, for key: Key) {
        old.removeValue(forKey: key)
        insert(value, for: key)
    }

    /// Forgets the entry under `key`.
    public mutating func remove(_ key: Key) {
        young.removeValue(forKey: key)
        old.removeValue(forKey: key)
    }

    /// The entries held.
    public var count: Int { young.count + old.count }

    private mutating func insert(_ value: Value, for key: Key) {
        young[key] = value
        if young.count >= capacity / 2 {
            old = young
            young = [:]
        }
    }
}
