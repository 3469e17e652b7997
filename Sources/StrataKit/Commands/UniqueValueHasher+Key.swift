import StrataStore

extension UniqueValueHasher {
    /// The kit's `kit.settings` table, where the hasher's key is kept.
    static let settings = KitTable(name: "kit.settings")
    static let keyName = Array("uniqueValueKey".utf8)
    /// Where stores written before the kit had its own table kept the key (read only).
    static let legacyTable = "meta"

    /// The hasher of `store`: its key is created on first use and kept in the kit's settings
    /// table; a store that kept it in the log's `meta` table keeps using that key.
    public static func open(in store: any EventStore) async throws -> UniqueValueHasher {
        if let key = try store.withSnapshot({ try existingKey(in: $0, store: store) }) { return UniqueValueHasher(key: key) }
        guard !store.traits.isReadOnly else { throw ProjectionError(message: "the store has no unique-value key yet") }
        var generator = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = try await store.perform { transaction in
            if let existing = try existingKey(in: transaction, store: store) { return existing }
            try transaction.put(try settings.open(in: transaction), key: keyName, value: fresh)
            return fresh
        }.value
        return UniqueValueHasher(key: key)
    }

    private static func existingKey(in reader: any StoreReading, store: any EventStore) throws -> [UInt8]? {
        if let key = try settings.get(keyName, from: reader, in: store) { return key }
        guard let legacy = try store.existingTable(named: legacyTable) else { return nil }
        return try reader.get(legacy, key: keyName)
    }
}
