internal import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from LMDB or from this wrapper: a small public struct over a private code, so new codes
/// can be added without breaking callers that compare against the static members.
public struct LMDBError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case keyExists, notFound, pageNotFound, corrupted, panic, versionMismatch, invalid
        case mapFull, databasesFull, readersFull, tlsFull, transactionFull, cursorFull, pageFull
        case mapResized, incompatible, badReaderSlot, badTransaction, badValueSize, badDatabase
        case transactionClosed, alreadyOpen, readOnly
        case system(Int32)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The key is already present and overwriting was not allowed.
    public static let keyExists = LMDBError(.keyExists)
    /// The key (or database) was not found.
    public static let notFound = LMDBError(.notFound)
    /// A requested page was not found: usually a damaged file.
    public static let pageNotFound = LMDBError(.pageNotFound)
    /// The file is damaged.
    public static let corrupted = LMDBError(.corrupted)
    /// The environment had a fatal error and must be closed.
    public static let panic = LMDBError(.panic)
    /// The file was written by an incompatible LMDB version.
    public static let versionMismatch = LMDBError(.versionMismatch)
    /// The file is not an LMDB file.
    public static let invalid = LMDBError(.invalid)
    /// The map is full and may not grow any further (the configured maximum map size is reached).
    public static let mapFull = LMDBError(.mapFull)
    /// Too many named databases for `maxDatabases`.
    public static let databasesFull = LMDBError(.databasesFull)
    /// Too many concurrent readers for `maxReaders`.
    public static let readersFull = LMDBError(.readersFull)
    /// Too many thread-local storage keys.
    public static let tlsFull = LMDBError(.tlsFull)
    /// A write transaction has too many dirty pages.
    public static let transactionFull = LMDBError(.transactionFull)
    /// A cursor stack is too deep: usually a damaged file.
    public static let cursorFull = LMDBError(.cursorFull)
    /// A page has no more space: an internal error.
    public static let pageFull = LMDBError(.pageFull)
    /// Another process grew the map beyond this process's mapping.
    public static let mapResized = LMDBError(.mapResized)
    /// A database was opened with flags that do not match how it was created.
    public static let incompatible = LMDBError(.incompatible)
    /// A reader slot was used incorrectly.
    public static let badReaderSlot = LMDBError(.badReaderSlot)
    /// The transaction must be aborted (it had an error) or its parent is busy.
    public static let badTransaction = LMDBError(.badTransaction)
    /// A key or value is too large (keys are at most 511 bytes), or a zero-length key.
    public static let badValueSize = LMDBError(.badValueSize)
    /// The database handle was closed or changed unexpectedly.
    public static let badDatabase = LMDBError(.badDatabase)
    /// The transaction was already committed or aborted: it was used outside its closure.
    public static let transactionClosed = LMDBError(.transactionClosed)
    /// This process already has an environment open at that path (LMDB forbids opening it twice).
    public static let alreadyOpen = LMDBError(.alreadyOpen)
    /// A write was attempted through an environment opened read-only.
    public static let readOnly = LMDBError(.readOnly)

    /// An operating-system error (`errno`), such as `ENOSPC` or `EACCES`.
    public static func system(_ errno: Int32) -> LMDBError { LMDBError(.system(errno)) }

    /// The operating-system error number, when this is one.
    public var errno: Int32? {
        if case .system(let number) = code { return number }
        return nil
    }

    /// Lets `catch LMDBError.notFound { … }` match.
    public static func ~= (pattern: LMDBError, error: any Error) -> Bool {
        (error as? LMDBError) == pattern
    }

    /// Maps an LMDB return code (never `MDB_SUCCESS`) to an error.
    init(returnCode: Int32) {
        switch returnCode {
        case MDB_KEYEXIST: self.init(.keyExists)
        case MDB_NOTFOUND: self.init(.notFound)
        case MDB_PAGE_NOTFOUND: self.init(.pageNotFound)
        case MDB_CORRUPTED: self.init(.corrupted)
        case MDB_PANIC: self.init(.panic)
        case MDB_VERSION_MISMATCH: self.init(.versionMismatch)
        case MDB_INVALID: self.init(.invalid)
        case MDB_MAP_FULL: self.init(.mapFull)
        case MDB_DBS_FULL: self.init(.databasesFull)
        case MDB_READERS_FULL: self.init(.readersFull)
        case MDB_TLS_FULL: self.init(.tlsFull)
        case MDB_TXN_FULL: self.init(.transactionFull)
        case MDB_CURSOR_FULL: self.init(.cursorFull)
        case MDB_PAGE_FULL: self.init(.pageFull)
        case MDB_MAP_RESIZED: self.init(.mapResized)
        case MDB_INCOMPATIBLE: self.init(.incompatible)
        case MDB_BAD_RSLOT: self.init(.badReaderSlot)
        case MDB_BAD_TXN: self.init(.badTransaction)
        case MDB_BAD_VALSIZE: self.init(.badValueSize)
        case MDB_BAD_DBI: self.init(.badDatabase)
        default: self.init(.system(returnCode))
        }
    }

    /// A short, stable name fit for a log field or a metric label.
    public var description: String {
        switch code {
        case .keyExists: "key_exists"
        case .notFound: "not_found"
        case .pageNotFound: "page_not_found"
        case .corrupted: "corrupted"
        case .panic: "panic"
        case .versionMismatch: "version_mismatch"
        case .invalid: "invalid_file"
        case .mapFull: "map_full"
        case .databasesFull: "databases_full"
        case .readersFull: "readers_full"
        case .tlsFull: "tls_full"
        case .transactionFull: "transaction_full"
        case .cursorFull: "cursor_full"
        case .pageFull: "page_full"
        case .mapResized: "map_resized"
        case .incompatible: "incompatible"
        case .badReaderSlot: "bad_reader_slot"
        case .badTransaction: "bad_transaction"
        case .badValueSize: "bad_value_size"
        case .badDatabase: "bad_database"
        case .transactionClosed: "transaction_closed"
        case .alreadyOpen: "already_open"
        case .readOnly: "read_only"
        case .system(let number): "system_error_\(number)"
        }
    }

    /// A sentence for people, with the operating system's text for `errno` errors.
    public var message: String {
        if case .system(let number) = code, let text = strerror(number) {
            return "\(String(cString: text)) (errno \(number))"
        }
        return description.replacingOccurrences(of: "_", with: " ")
    }
}

/// Throws the error for an LMDB return code unless it is `MDB_SUCCESS`.
@inline(__always)
func check(_ returnCode: Int32) throws(LMDBError) {
    if returnCode != MDB_SUCCESS { throw LMDBError(returnCode: returnCode) }
}
