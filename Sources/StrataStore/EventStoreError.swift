/// A failed optimistic concurrency check: `streamId` was at `actual`, not `expected`.
public struct AppendConflict: Error, Sendable, Hashable, CustomStringConvertible {
    public var streamId: String
    public var expected: ExpectedVersion
    public var actual: UInt64

    public init(streamId: String, expected: ExpectedVersion, actual: UInt64) {
        self.streamId = streamId
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        "stream \(streamId) is at version \(actual), expected \(expected)"
    }
}

/// An error of an event store: a public struct over a private code, with the details a caller
/// may need (the conflict, the lock holder's pid, the faulty position).
public struct EventStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A kind of log error, to compare against: `error.code == .storeFull`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case conflict, invalidRequest, storeFull, storage, locked, closed, readOnly, corruptRecord, incompatibleFormat, unavailable
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An expected version did not hold (see ``EventStoreError/conflict``).
        public static let conflict = Code(.conflict)
        /// The request itself is malformed (empty or duplicate stream ids, over-long names …).
        public static let invalidRequest = Code(.invalidRequest)
        /// The store may not grow any further (maximum map size reached or disk full).
        public static let storeFull = Code(.storeFull)
        /// LMDB or the file system failed.
        public static let storage = Code(.storage)
        /// Another process holds the data directory.
        public static let locked = Code(.locked)
        /// The log was closed.
        public static let closed = Code(.closed)
        /// The log was opened read-only.
        public static let readOnly = Code(.readOnly)
        /// A record failed its checksum or could not be decoded.
        public static let corruptRecord = Code(.corruptRecord)
        /// The store was written by a newer format.
        public static let incompatibleFormat = Code(.incompatibleFormat)
        /// The store's server (a database) cannot be reached now; the same call may succeed later.
        public static let unavailable = Code(.unavailable)

        /// A short, stable name fit for a metric label.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence for people.
    public let message: String
    /// The conflict, for ``Code/conflict``.
    public let conflict: AppendConflict?
    /// The process holding the directory, for ``Code/locked``, when known.
    public let lockHolder: Int32?
    /// The log position concerned, for ``Code/corruptRecord``.
    public let position: UInt64?

    package init(_ code: Code, _ message: String, conflict: AppendConflict? = nil, lockHolder: Int32? = nil, position: UInt64? = nil) {
        self.code = code
        self.message = message
        self.conflict = conflict
        self.lockHolder = lockHolder
        self.position = position
    }

    public var description: String { "\(code): \(message)" }

    package static func conflict(_ conflict: AppendConflict) -> EventStoreError {
        EventStoreError(.conflict, conflict.description, conflict: conflict)
    }

    package static func invalidRequest(_ message: String) -> EventStoreError {
        EventStoreError(.invalidRequest, message)
    }

    package static func corrupt(at position: UInt64, _ message: String) -> EventStoreError {
        EventStoreError(.corruptRecord, "position \(position): \(message)", position: position)
    }

    package static let closed = EventStoreError(.closed, "the event store is closed")
    package static let readOnly = EventStoreError(.readOnly, "the event store was opened read-only")
}
