import Logging

/// How a ``PostgresEventStore`` is opened.
public struct PostgresStoreConfiguration: Sendable {
    /// Who else may use the database meanwhile.
    public enum Access: Sendable, Hashable {
        /// A server: any number of servers share the database; offline tools are kept out.
        case shared
        /// An offline tool (strata-replay): refused while any server uses the database, and
        /// servers are refused while it runs.
        case exclusive
        /// Reads only (strata-admin's reports): beside anything, no writes.
        case readOnly
    }

    public var access: Access
    /// The most requests one commit carries.
    public var maximumBatchRequests: Int
    /// A commit stops taking requests once their events reach this many bytes.
    public var maximumBatchBytes: Int
    /// Snapshots open at once, each on a connection of the store's `PostgresClient`, which pools
    /// twice as many plus four for the keys and tables looked up meanwhile (the writer and the
    /// listener have connections of their own).
    public var readConnections: Int
    /// How often the store asks for the head when no notification came (other servers' commits
    /// arrive by LISTEN/NOTIFY at once; the poll is the fallback).
    public var pollInterval: Duration
    public var logger: Logger

    public init(
        access: Access = .shared,
        maximumBatchRequests: Int = 1024,
        maximumBatchBytes: Int = 16 << 20,
        readConnections: Int = 4,
        pollInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "strata.postgres")
    ) {
        self.access = access
        self.maximumBatchRequests = maximumBatchRequests
        self.maximumBatchBytes = maximumBatchBytes
        self.readConnections = readConnections
        self.pollInterval = pollInterval
        self.logger = logger
    }
}
