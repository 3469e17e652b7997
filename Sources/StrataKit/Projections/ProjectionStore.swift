import Foundation
import StrataStore

/// The tables of one projection generation, as `apply` writes them inside a write transaction.
///
/// Rows read or written through the typed `get`/`put` are kept decoded until ``flush()``, which
/// encodes each changed row once: a batch that touches the same row a hundred times decodes and
/// encodes it once. Rows that were read before they were written stay decoded in the runner's
/// ``RowCache`` after the flush; new rows (an order placed) are left to be decoded when first
/// read. Raw bytes (index entries) go straight to the transaction unless the row is held
/// decoded, so they cost no bookkeeping; raw reads and scans see pending changes (a scan flushes
/// first).
public final class ProjectionStore {
    /// Where the rows are read and written: the write transaction, or a rebuild's batch applied
    /// off the writer (whose writes the writer then makes as bytes).
    private enum Backing {
        case transaction(any StoreTransaction)
        case staged(StagedBatch)
    }

    private let backing: Backing
    /// The generation's tables by logical name, searched by comparing names.
    private let tableList: [(name: String, table: Table)]
    let registry: EventRegistry
    let decodedRows: RowCache
    private let encoder: JSONByteEncoder
    private let decoder: JSONByteDecoder
    private(set) var changedKeys: [ViewKey] = []

    private enum Row {
        /// As stored: the decoded value, or `nil` when absent.
        case clean(Any?)
        /// Changed, to be encoded at flush (with its version, in a table that holds versions);
        /// `wasRead` when this store read the row first (the rows worth keeping decoded: a row
        /// read once is read again, a new one seldom).
        case value(any Encodable & Sendable, version: UInt64?, wasRead: Bool)
        /// Changed, as stored bytes.
        case bytes([UInt8])
        case deleted
    }

    private var rows = PendingRows<Row>()

    convenience init(transaction: any StoreTransaction, tables: [String: Table], registry: EventRegistry, rows: RowCache) {
        self.init(backing: .transaction(transaction), tables: tables, registry: registry, rows: rows)
    }

    convenience init(staged batch: StagedBatch, tables: [String: Table], registry: EventRegistry, rows: RowCache) {
        self.init(backing: .staged(batch), tables: tables, registry: registry, rows: rows)
    }

    private init(backing: Backing, tables: [String: Table], registry: EventRegistry, rows: RowCache) {
        self.backing = backing
        self.tableList = tables.map { ($0.key, $0.value) }
        self.registry = registry
        self.decodedRows = rows
        self.encoder = registry.makeEncoder()
        self.decoder = registry.makeDecoder()
    }

    private func read(_ table: Table, key: [UInt8]) throws -> [UInt8]? {
        switch backing {
        case .transaction(let transaction): try transaction.get(table, key: key)
        case .staged(let batch): try batch.get(table, key: key)
        }
    }

    private func write(_ table: Table, key: [UInt8], value: [UInt8]) throws {
        switch backing {
        case .transaction(let transaction): try transaction.put(table, key: key, value: value)
        case .staged(let batch): batch.put(table, key: key, value: value)
        }
    }

    private func remove(_ table: Table, key: [UInt8]) throws -> Bool {
        switch backing {
        case .transaction(let transaction): try transaction.delete(table, key: key)
        case .staged(let batch): try batch.delete(table, key: key)
        }
    }

    private func table(_ name: ReadModelTable) throws -> Table {
        guard let table = tableList.first(where: { $0.name == name.name })?.table else { throw ProjectionError(message: "the projection has no table \(name.name)") }
        return table
    }

    /// The JSON of the row under `key` (after its version, in a table that holds versions).
    public func get(_ table: ReadModelTable, key: [UInt8]) throws -> [UInt8]? {
        switch rows[table, key] {
        case .value(let value, _, _)?: return try encoder.encode(value)
        case .bytes(let bytes)?: return try VersionedRow.json(bytes, in: table)
        case .deleted?: return nil
        case .clean?, nil: return try read(try self.table(table), key: key).map { try VersionedRow.json($0, in: table) }
        }
    }

    /// Stores `value` as the row under `key`, as it is: JSON, or what the projection encoded itself.
    /// A table that holds versions takes records (the `put` that takes a ``VersionedRecord``) instead.
    public func put(_ table: ReadModelTable, key: [UInt8], value: [UInt8]) throws {
        let stored = try self.table(table)
        guard !table.holdsVersions else { throw Self.needsVersion(table) }
        guard rows[table, key] == nil else {
            // Held decoded: replaced here, so a later typed read cannot see the older value.
            rows[table, key] = .bytes(value)
            return
        }
        try write(stored, key: key, value: value)
    }

    private static func needsVersion(_ table: ReadModelTable) -> ProjectionError {
        ProjectionError(message: "the table \(table.name) holds versions: store a VersionedRecord in it")
    }

    /// Removes the row under `key`; returns whether there was one.
    @discardableResult
    public func delete(_ table: ReadModelTable, key: [UInt8]) throws -> Bool {
        guard rows[table, key] != nil else { return try remove(try self.table(table), key: key) }
        let existed = try get(table, key: key) != nil
        rows[table, key] = .deleted
        return existed
    }

    /// Walks a table (see `TableReading` in StrataStore), pending changes included.
    public func scan(
        _ table: ReadModelTable,
        from start: [UInt8]? = nil,
        direction: ScanDirection = .forward,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try flush()
        let stored = try self.table(table)
        let walk: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws -> Void = { visit in
            switch self.backing {
            case .transaction(let transaction): try transaction.scan(stored, from: start, direction: direction, visit)
            case .staged(let batch): try batch.scan(stored, from: start, direction: direction, visit)
            }
        }
        guard table.holdsVersions else { return try walk(body) }
        try walk { key, row in try body(key, try VersionedRow.split(row).json) }
    }

    /// The decoded JSON row under `key`.
    public func get<T: Decodable & Sendable>(_ type: T.Type, _ table: ReadModelTable, key: [UInt8]) throws -> T? {
        switch rows[table, key] {
        case .clean(let value)?:
            if value == nil { return nil }
            if let typed = value as? T { return typed }
        case .value(let value, _, _)?:
            if let typed = value as? T { return typed }
        case .deleted?:
            return nil
        case .bytes, nil:
            break
        }
        let value: T?
        if case .bytes(let bytes)? = rows[table, key] {
            value = try decoder.decode(T.self, from: try VersionedRow.json(bytes, in: table))
        } else {
            let stored = try self.table(table)
            value = try read(stored, key: key).map { bytes in
                try decodedRows.decoded(T.self, table: stored, key: key, bytes: bytes) {
                    try decoder.decode(T.self, from: try VersionedRow.json($0, in: table))
                }
            }
        }
        if self.rows[table, key] == nil { self.rows[table, key] = .clean(value) }
        return value
    }

    /// Stores `value` as JSON (sorted keys, personal fields sealed) at the next flush.
    public func put(_ value: some Encodable & Sendable, _ table: ReadModelTable, key: [UInt8]) throws {
        guard !table.holdsVersions else { throw Self.needsVersion(table) }
        try put(value, version: nil, table, key: key)
    }

    /// Stores `record` as JSON at the next flush, after its version in a table that holds versions.
    public func put(_ record: some VersionedRecord, _ table: ReadModelTable, key: [UInt8]) throws {
        try put(record, version: table.holdsVersions ? record.version : nil, table, key: key)
    }

    private func put(_ value: some Encodable & Sendable, version: UInt64?, _ table: ReadModelTable, key: [UInt8]) throws {
        _ = try self.table(table)
        let wasRead: Bool
        switch rows[table, key] {
        case .clean?: wasRead = true
        case .value(_, _, let read)?: wasRead = read
        default: wasRead = false
        }
        rows[table, key] = .value(value, version: version, wasRead: wasRead)
    }

    /// Writes every pending change. The runner calls it before the transaction commits.
    public func flush() throws {
        for (name, pending) in rows.tables where !pending.isEmpty {
            let table = try self.table(name)
            for (key, row) in pending {
                switch row {
                case .value(let value, let version, let wasRead):
                    var bytes: [UInt8] = []
                    bytes.reserveCapacity(256)
                    if let version { VersionedRow.appendHeader(version, to: &bytes) }
                    try encoder.encode(value, appendingTo: &bytes)
                    try write(table, key: key, value: bytes)
                    if wasRead { self.decodedRows.store(value, bytes: bytes, table: table, key: key) }
                case .bytes(let bytes): try write(table, key: key, value: bytes)
                case .deleted: _ = try remove(table, key: key)
                case .clean: break
                }
            }
        }
        rows.removeAll()
    }

    /// Reports that the cached view `key` no longer matches.
    public func changed(_ key: ViewKey) {
        changedKeys.append(key)
    }

}
