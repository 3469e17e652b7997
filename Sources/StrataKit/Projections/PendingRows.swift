/// The rows a ``ProjectionStore`` holds until its flush, per table. A projection has a handful of
/// tables, so each is found by comparing names (cheaper than hashing one on every access), and
/// its rows by key in a dictionary.
struct PendingRows<Row> {
    private(set) var tables: [(table: ReadModelTable, rows: [[UInt8]: Row])] = []

    private func index(of table: ReadModelTable) -> Int? {
        tables.firstIndex { $0.table == table }
    }

    subscript(table: ReadModelTable, key: [UInt8]) -> Row? {
        get {
            guard let index = index(of: table) else { return nil }
            return tables[index].rows[key]
        }
        set {
            if let index = index(of: table) {
                tables[index].rows[key] = newValue
            } else if let newValue {
                tables.append((table, [key: newValue]))
            }
        }
    }

    /// Forgets every row, keeping the tables' storage for the next batch.
    mutating func removeAll() {
        for index in tables.indices { tables[index].rows.removeAll(keepingCapacity: true) }
    }
}
