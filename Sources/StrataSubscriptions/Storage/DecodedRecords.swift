import Synchronization

/// Group records with the bytes they were decoded from or encoded to, by group. A record is
/// taken from here only when the store holds exactly those bytes, so it is right whoever wrote
/// them (another server, a transaction that rolled back) — at worst it is decoded again.
final class DecodedRecords: Sendable {
    private let records = Mutex<[String: (bytes: [UInt8], record: GroupRecord)]>([:])

    /// The record of `group` if `bytes` are the ones it was kept with.
    func record(_ group: String, of bytes: [UInt8]) -> GroupRecord? {
        records.withLock { records in
            guard let kept = records[group], kept.bytes == bytes else { return nil }
            return kept.record
        }
    }

    /// Keeps `record` as what `bytes` hold.
    func keep(_ record: GroupRecord, as bytes: [UInt8]) {
        records.withLock { $0[record.name] = (bytes, record) }
    }

    /// Drops what is kept of `group` (deleted).
    func forget(_ group: String) {
        records.withLock { $0[group] = nil }
    }
}
