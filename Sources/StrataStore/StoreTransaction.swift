/// The store's write transaction as an append hook or a write job sees it: it reads the log
/// (including this transaction's own writes) and reads and writes tables. Everything written here
/// commits together with the events, durably, or not at all. Valid only inside the hook or job.
public protocol StoreTransaction: AnyObject, StoreReading {
    /// Appends inside this transaction: expectations are checked against the log as it is now,
    /// the append hook runs, and the events commit with everything else written here.
    ///
    /// - Throws: ``EventStoreError`` (``EventStoreError/Code/conflict`` or
    ///   ``EventStoreError/Code/invalidRequest``) or the hook's error, with nothing of this
    ///   request written.
    @discardableResult
    func append(_ request: AppendRequest) throws -> AppendResult

    /// Writes events recorded elsewhere exactly as they were (ids, timestamps, positions, stream
    /// versions), for importing an export. They must continue the log and their streams; no
    /// append hook runs.
    func importRecorded(_ events: [RecordedEvent]) throws

    /// Opens the named table, creating it if needed.
    ///
    /// - Throws: ``EventStoreError/Code/invalidRequest`` for the store's own tables.
    func table(named name: String) throws -> Table

    /// Stores `value` under `key`, replacing any value there.
    func put(_ table: Table, key: [UInt8], value: [UInt8]) throws

    /// Stores `rows`, sorted by key with each key once, replacing what is there: a rebuild's rows
    /// as the writer gets them. A store may write those past the table's last key faster (LMDB
    /// appends them, `MDB_APPEND`, which also fills its pages).
    func putSorted(_ table: Table, _ rows: [(key: [UInt8], value: [UInt8])]) throws

    /// Removes `key`; returns whether it was there.
    @discardableResult
    func delete(_ table: Table, key: [UInt8]) throws -> Bool

    /// Removes every entry of `table`.
    func clear(_ table: Table) throws

    /// Deletes `table` itself.
    func drop(_ table: Table) throws

    /// Runs `action` once this transaction has committed durably (never if it fails): the place
    /// to drop cached views or wake waiters.
    func afterCommit(_ action: @escaping @Sendable () -> Void)

    /// Leaves `text` with this commit for the other processes sharing the store, which hear it
    /// in ``ForeignCommits/notes``: what the commit changed, in the words of the layer that knows
    /// (the kit notes the views it invalidated). Dropped with the transaction if it fails.
    func note(_ text: String)
}

extension StoreTransaction {
    /// A store only this process writes has no one to tell.
    public func note(_ text: String) {}

    /// One put after the other.
    public func putSorted(_ table: Table, _ rows: [(key: [UInt8], value: [UInt8])]) throws {
        for row in rows { try put(table, key: row.key, value: row.value) }
    }
}
