import StrataStore

/// A table the kit or one of its modules owns (checkpoints, parked events, idempotency records,
/// settings, consumer groups), found by name: a write transaction opens it, creating it if
/// needed; a snapshot finds it through the store, and a table never written reads as empty.
public struct KitTable: Sendable {
    /// The table's name in the store.
    public let name: String

    /// The table named `name`.
    public init(name: String) { self.name = name }

    /// The table inside a write transaction, created if needed.
    public func open(in transaction: any StoreTransaction) throws -> Table {
        try transaction.table(named: name)
    }

    /// The table for `reader`: opened in a transaction, looked up in the store otherwise; `nil`
    /// when it does not exist yet.
    public func find(for reader: any StoreReading, in store: any EventReading) throws -> Table? {
        if let transaction = reader as? any StoreTransaction { return try transaction.table(named: name) }
        return try store.existingTable(named: name)
    }

    /// The value under `key`, or `nil` (also when the table does not exist yet).
    public func get(_ key: [UInt8], from reader: any StoreReading, in store: any EventReading) throws -> [UInt8]? {
        guard let table = try find(for: reader, in: store) else { return nil }
        return try reader.get(table, key: key)
    }
}
