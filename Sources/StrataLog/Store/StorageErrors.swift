import LMDB
import StrataStore

extension EventStoreError {
    /// Maps a storage error. A full map, a full disk (ENOSPC), a quota (EDQUOT) or a write or
    /// sync the disk refused (EIO) becomes ``EventStoreError/Code/storeFull``: the commit did not
    /// happen, nothing of it is visible, and a later write may succeed once there is room.
    static func storage(_ error: LMDBError) -> EventStoreError {
        if error == .mapFull || error.errno.map(DiskFull.errnos.contains) == true {
            return EventStoreError(.storeFull, "the store is full: \(error.message)")
        }
        return EventStoreError(.storage, "storage failure: \(error.message)")
    }
}

/// Runs `body`, turning LMDB errors into ``EventStoreError``s.
func mappingStorageErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LMDBError {
        throw EventStoreError.storage(error)
    }
}
