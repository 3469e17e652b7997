import CLMDB

/// The baseline for bytes on disk: a raw LMDB store of the same payloads — the event's data and
/// metadata bytes under its position (8 bytes), nothing else: no stream index, no type index,
/// no ids, no record header — written with `MDB_APPEND`, 10,000 per transaction.
func rawStoreBytes(events count: Int, under directory: String?) throws -> Int {
    let scratch = try ScratchDirectory(under: directory, label: "raw-size")
    defer { scratch.remove() }
    let (environment, database) = try openRawEnvironment(scratch.path, mapSize: 1 << 34)
    defer { mdb_env_close(environment) }
    var value = SamplePayload.data + SamplePayload.metadata
    var position: UInt64 = 0
    while position < UInt64(count) {
        var transaction: OpaquePointer?
        try lmdb(mdb_txn_begin(environment, nil, 0, &transaction))
        for _ in 0..<min(10_000, UInt64(count) - position) {
            position += 1
            try appendRaw(&value, at: position, to: database, in: transaction)
        }
        try lmdb(mdb_txn_commit(transaction))
    }
    var info = MDB_envinfo()
    var stat = MDB_stat()
    try lmdb(mdb_env_info(environment, &info))
    try lmdb(mdb_env_stat(environment, &stat))
    return (info.me_last_pgno + 1) * Int(stat.ms_psize)
}
