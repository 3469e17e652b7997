import Foundation
import StrataStore

/// The tables of one projection generation, as `apply` writes them inside a write transaction.
///
/// Rows read or written through the typed `get`/`put` are kept decoded until ``flush()``, which
/// encodes each changed row once: a batch that touches the same row a hundred times decodes and
/// encodes it once. Rows that were read before they were written stay decoded in the runner's
/// ``RowCache`` after the flush; new rows (an order placed) are left to be decoded when first
/// read. Raw-byte access and scans see pending changes (a scan flushes first).
public final class ProjectionStore {
    let transaction: any StoreTransaction
    let tables: [String: Table]
    let registry: EventRegistry
    let decodedRows: RowCache
    private let encoder: JSONByteEncoder
    private let decoder: JSONByteDecoder
    private(set) var changedKeys: [ViewKey] = []

    private enum Row {
        /// As stored: the decoded value, or `nil` when absent.
        case clean(Any?)
        /// Changed, to be encoded at flush; `wasRead` when this store read the row first (the
        /// rows worth keeping decoded: a row read once is read again, a new one seldom).
        case value(any Encodable & Sendable, wasRead: Bool)
        /// Changed, as bytes.
        case bytes([UInt8])
        case deleted
    }

    private var rows: [ReadModelTable: [[UInt8]: Row]] = [:]

    init(transaction: any StoreTransaction, tables: [String: Table], registry: EventRegistry, rows: RowCache) {
        self.transaction = transaction
        self.tables = tables
        self.registry = registry
        self.decodedRows = rows
        self.encoder = registry.makeEncoder()
        self.decoder = registry.makeDecoder()
    }

    private func table(_ name: ReadModelTable) throws -> Table {
        guard let table = tables[name.name] else { throw EventRegistryError(message: "the projection has no table \(name.name)") }
        return table
    }

    public func get(_ table: ReadModelTable, key: [UInt8]) throws -> [UInt8]? {
        switch rows[table]?[key] {
        case .value(let value, _)?: return try encoder.encode(value)
        case .bytes(let bytes)?: return bytes
        case .deleted?: return nil
        case .clean?, nil: return try transaction.get(try self.table(table), key: key)
        }
    }

    public func put(_ table: ReadModelTable, key: [UInt8], value: [UInt8]) throws {
        _ = try self.table(table)
        rows[table, default: [:]][key] = .bytes(value)
    }

    @discardableResult
    public func delete(_ table: ReadModelTable, key: [UInt8]) throws -> Bool {
        let existed = try get(table, key: key) != nil
        rows[table, default: [:]][key] = .deleted
        return existed
    }

    /// Walks a table (see ``TableReading``), pending changes included.
    public func scan(
        _ table: ReadModelTable,
        from start: [UInt8]? = nil,
        direction: ScanDirection = .forward,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try flush()
        try transaction.scan(try self.table(table), from: start, direction: direction, body)
    }

    /// The decoded JSON row under `key`.
    public func get<T: Decodable & Sendable>(_ type: T.Type, _ table: ReadModelTable, key: [UInt8]) throws -> T? {
        switch rows[table]?[key] {
        case .clean(let value)?:
            if value == nil { return nil }
            if let typed = value as? T { return typed }
        case .value(let value, _)?:
            if let typed = value as? T { return typed }
        case .deleted?:
            return nil
        case .bytes, nil:
            break
        }
        let value: T?
        if case .bytes(let bytes)? = rows[table]?[key] {
            value = try decoder.decode(T.self, from: bytes)
        } else {
            let stored = try self.table(table)
            value = try transaction.get(stored, key: key).map { bytes in
                try decodedRows.decoded(T.self, table: stored, key: key, bytes: bytes) { try decoder.decode(T.self, from: $0) }
            }
        }
        if self.rows[table]?[key] == nil { self.rows[table, default: [:]][key] = .clean(value) }
        return value
    }

    /// Stores `value` as JSON (sorted keys, personal fields sealed) at the next flush.
    public func put(_ value: some Encodable & Sendable, _ table: ReadModelTable, key: [UInt8]) throws {
        _ = try self.table(table)
        let wasRead: Bool
        switch rows[table]?[key] {
        case .clean?: wasRead = true
        case .value(_, let read)?: wasRead = read
        default: wasRead = false
        }
        rows[table, default: [:]][key] = .value(value, wasRead: wasRead)
    }

    /// Writes every pending change. The runner calls it before the transaction commits.
    public func flush() throws {
        for (name, pending) in rows {
            let table = try self.table(name)
            for (key, row) in pending {
                switch row {
                case .value(let value, let wasRead):
                    let bytes = try encoder.encode(value)
                    try transaction.put(table, key: key, value: bytes)
                    if wasRead { self.decodedRows.store(value, bytes: bytes, table: table, key: key) }
                case .bytes(let bytes): try transaction.put(table, key: key, value: bytes)
                case .deleted: try transaction.delete(table, key: key)
                case .clean: break
                }
            }
        }
        rows.removeAll(keepingCapacity: true)
    }

    /// Reports that the cached view `key` no longer matches.
    public func changed(_ key: ViewKey) {
        changedKeys.append(key)
    }

}
