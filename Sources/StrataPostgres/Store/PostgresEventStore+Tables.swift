import PostgresNIO
import StrataStore

/// The store's tables by name, and its counts and sizes.
extension PostgresEventStore {
    public func existingTable(named name: String) throws -> Table? {
        if let id = tableIds.withLock({ $0[name] }) { return Table(name: name, rowsId: id) }
        guard let id = try reads.withConnection({ try PostgresLogReader(connection: $0).tableId(named: name) }) else { return nil }
        tableIds.withLock { $0[name] = id }
        return Table(name: name, rowsId: id)
    }

    /// A table by name through `reader` (the writer's transaction), using the committed cache first.
    func existingTable(named name: String, using reader: PostgresLogReader) throws -> Table? {
        if let id = tableIds.withLock({ $0[name] }) { return Table(name: name, rowsId: id) }
        guard let id = try reader.tableId(named: name) else { return nil }
        return Table(name: name, rowsId: id)
    }

    public func tableNames() throws -> [String] {
        let names = try reads.withConnection { try PostgresLogReader(connection: $0).tableNames() }
        return (names + Self.reservedTables).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func storeStatistics() throws -> StoreStatistics {
        try reads.withConnection { connection in
            let rows = try connection.query(
                """
                SELECT h.position, h.streams, pg_database_size(current_database()),
                    (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
                     WHERE c.relname LIKE 'strata\\_%' AND c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace)
                FROM strata_head h WHERE h.id = 1
                """
            )
            guard let row = rows.first(where: { _ in true }) else { throw EventStoreError(.storage, "strata_head has no row") }
            let (position, streams, databaseSize, used) = try row.decode((Int64, Int64, Int64, Int64).self)
            return StoreStatistics(
                events: Int(position),
                streams: Int(streams),
                headPosition: UInt64(position),
                fileSize: Int(databaseSize),
                usedBytes: Int(used),
                mapSize: 0
            )
        }
    }
}

extension Table {
    /// The table's id in `strata_rows` (the store keeps it as the table's handle).
    var rowsId: Int32 { Int32(truncatingIfNeeded: handle) }

    init(name: String, rowsId: Int32) {
        self.init(name: name, handle: UInt32(truncatingIfNeeded: rowsId))
    }
}
