import LMDB
import StrataStore

extension EventStoreError {
    /// Maps a storage error; a full map or disk becomes ``EventStoreError/Code/storeFull``.
    static func storage(_ error: LMDBError) -> EventStoreError {
        if error == .mapFull || error.errno == 28 /* ENOSPC */ {
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
