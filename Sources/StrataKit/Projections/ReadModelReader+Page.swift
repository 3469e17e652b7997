extension ReadModelReader {
    /// One page of `table`'s rows whose keys start with `prefix`, in key order, after the row an
    /// opaque `cursor` of an earlier page names (``RowKeys/cursor(_:)``). `item` makes a row's
    /// item, or `nil` to pass over it (a filter); the page holds at most `limit` items and names
    /// its last row as the next page's cursor when more follow.
    public func page<Item: Sendable>(
        _ table: ReadModelTable,
        prefix: [UInt8],
        after cursor: String?,
        limit: Int,
        _ item: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Item?
    ) throws -> Page<Item> {
        var start = prefix
        if let cursor, let key = RowKeys.key(ofCursor: cursor), key.starts(with: prefix) { start = key + [0] }
        var items: [Item] = []
        var last: [UInt8] = []
        var more = false
        try scan(table, from: start.isEmpty ? nil : start) { key, value in
            guard key.starts(with: prefix) else { return false }
            guard let next = try item(key, value) else { return true }
            guard items.count < limit else {
                more = true
                return false
            }
            items.append(next)
            last = Array(key)
            return true
        }
        return Page(items: items, next: more ? RowKeys.cursor(last) : nil, position: position)
    }
}
