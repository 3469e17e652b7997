import Foundation
import StrataStore

/// A consistent read of one projection's live tables, through a snapshot or a write transaction.
/// A table the projection declares but never wrote reads as empty; a name it does not declare is
/// refused, as the ``ProjectionStore`` that writes the tables refuses it.
public final class ReadModelReader {
    let reader: any StoreReading
    /// The projection's tables that exist, by logical name.
    let tables: [String: Table]
    /// Every table the projection declares (a few: searched, not hashed).
    let declared: [ReadModelTable]
    let registry: EventRegistry
    let rows: RowCache
    /// The log position the tables reflect.
    public let position: UInt64

    init(reader: any StoreReading, tables: [String: Table], declared: [ReadModelTable], registry: EventRegistry, rows: RowCache, position: UInt64) {
        self.reader = reader
        self.tables = tables
        self.declared = declared
        self.registry = registry
        self.rows = rows
        self.position = position
    }

    /// The JSON of the row under `key`, as stored.
    public func get(_ table: ReadModelTable, key: [UInt8]) throws -> [UInt8]? {
        guard let stored = try stored(table) else { return nil }
        return try reader.get(stored, key: key).map { try VersionedRow.json($0, in: table) }
    }

    /// The JSON of the record under `key` of a table that ``ReadModelTable/holdsVersions``, as
    /// stored, with its version: what an answer sends, without decoding anything.
    public func versioned(_ table: ReadModelTable, key: [UInt8]) throws -> (json: [UInt8], version: UInt64)? {
        guard table.holdsVersions else { throw ProjectionError(message: "the table \(table.name) holds no versions") }
        guard let stored = try stored(table) else { return nil }
        return try reader.get(stored, key: key).map(VersionedRow.split)
    }

    /// The decoded row under `key`: taken from the row cache when the stored bytes are the ones
    /// it was decoded from.
    public func get<T: Decodable & Sendable>(_ type: T.Type, _ table: ReadModelTable, key: [UInt8]) throws -> T? {
        guard let stored = try stored(table), let bytes = try reader.get(stored, key: key) else { return nil }
        return try rows.decoded(T.self, table: stored, key: key, bytes: bytes) {
            try registry.makeDecoder().decode(T.self, from: try VersionedRow.json($0, in: table))
        }
    }

    /// Walks a table; a table never written is empty.
    public func scan(
        _ table: ReadModelTable,
        from start: [UInt8]? = nil,
        direction: ScanDirection = .forward,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard let stored = try stored(table) else { return }
        guard table.holdsVersions else { return try reader.scan(stored, from: start, direction: direction, body) }
        try reader.scan(stored, from: start, direction: direction) { key, row in try body(key, try VersionedRow.split(row).json) }
    }

    /// How many rows `table` holds.
    public func count(_ table: ReadModelTable) throws -> Int {
        guard let stored = try stored(table) else { return 0 }
        return try reader.count(stored)
    }

    /// `table` as stored, `nil` while it was never written.
    ///
    /// - Throws: ``ProjectionError`` when the projection declares no such table.
    private func stored(_ table: ReadModelTable) throws -> Table? {
        guard declared.contains(where: { $0.name == table.name }) else { throw ProjectionError(message: "the projection has no table \(table.name)") }
        return tables[table.name]
    }

    /// Decodes a row with this reader's decoder (personal fields opened).
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        try registry.makeDecoder().decode(T.self, from: bytes)
    }
}
