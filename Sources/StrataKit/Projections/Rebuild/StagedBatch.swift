import StrataStore

/// One rebuild batch applied off the writer, to tables only the rebuild writes: it reads through
/// the ``RebuildOverlay`` and a snapshot, and collects its writes — the rows as bytes, in order —
/// for the writer, which then only writes them (``ProjectionRunner`` `writeStaged`).
final class StagedBatch {
    let snapshot: any StoreReading
    let overlay: RebuildOverlay
    let number: Int
    /// The writes in the order made: a value, or `nil` to delete.
    private(set) var writes: [StagedWrite] = []

    init(snapshot: any StoreReading, overlay: RebuildOverlay, number: Int) {
        self.snapshot = snapshot
        self.overlay = overlay
        self.number = number
    }

    func get(_ table: Table, key: [UInt8]) throws -> [UInt8]? {
        if let pending = overlay.lookup(table, key: key) { return pending }
        return try snapshot.get(table, key: key)
    }

    func put(_ table: Table, key: [UInt8], value: [UInt8]) {
        overlay.write(value, table: table, key: key, batch: number)
        writes.append(StagedWrite(table: table, key: key, value: value))
    }

    func delete(_ table: Table, key: [UInt8]) throws -> Bool {
        let existed = try get(table, key: key) != nil
        overlay.write(nil, table: table, key: key, batch: number)
        writes.append(StagedWrite(table: table, key: key, value: nil))
        return existed
    }

    /// The snapshot's rows merged with the overlay's, which win (and hide deleted rows).
    func scan(
        _ table: Table,
        from start: [UInt8]?,
        direction: ScanDirection,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try MergedScan.run(pending: overlay.entries(table, from: start, direction: direction), direction: direction, stored: {
            try snapshot.scan(table, from: start, direction: direction, $0)
        }, body)
    }
}

/// A row a staged batch wrote, as bytes, or deleted (`nil`).
struct StagedWrite: Sendable {
    var table: Table
    var key: [UInt8]
    var value: [UInt8]?
}

/// What a staged batch leaves in one table, as the writer takes it: the rows sorted by key, each
/// key once with the value written last (so keys past the table's end are appended), and the
/// keys deleted.
struct StagedTableWrites: Sendable {
    var table: Table
    var rows: [(key: [UInt8], value: [UInt8])] = []
    var deletions: [[UInt8]] = []

    /// `writes` grouped by table, each key's last write kept.
    static func grouped(_ writes: [StagedWrite]) -> [StagedTableWrites] {
        var byTable: [(table: Table, writes: [(order: Int, write: StagedWrite)])] = []
        for (order, write) in writes.enumerated() {
            if let index = byTable.firstIndex(where: { $0.table == write.table }) {
                byTable[index].writes.append((order, write))
            } else {
                byTable.append((write.table, [(order, write)]))
            }
        }
        return byTable.map { table, writes in
            let sorted = writes.sorted { a, b in
                a.write.key == b.write.key ? a.order < b.order : a.write.key.lexicographicallyPrecedes(b.write.key)
            }
            var result = StagedTableWrites(table: table)
            for (index, entry) in sorted.enumerated() where index + 1 == sorted.count || sorted[index + 1].write.key != entry.write.key {
                if let value = entry.write.value {
                    result.rows.append((entry.write.key, value))
                } else {
                    result.deletions.append(entry.write.key)
                }
            }
            return result
        }
    }
}
