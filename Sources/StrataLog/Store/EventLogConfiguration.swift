import Logging
import StrataStore

/// How to open an ``EventLog``.
public struct EventLogConfiguration: Sendable {
    /// The map size to start with (address space, not disk). Grows by doubling when full.
    public var mapSize: Int
    /// The largest the store may grow; appends that would need more fail with
    /// ``EventStoreError/Code/storeFull`` while reads keep working.
    public var maximumMapSize: Int
    /// At most this many requests share one commit.
    public var maximumBatchRequests: Int
    /// At most about this many bytes of event data share one commit.
    public var maximumBatchBytes: Int
    /// Where the writer reports failures.
    public var logger: Logger

    public init(
        mapSize: Int = 1 << 32,
        maximumMapSize: Int = 1 << 40,
        maximumBatchRequests: Int = 1024,
        maximumBatchBytes: Int = 32 << 20,
        logger: Logger = Logger(label: "strata.log")
    ) {
        self.mapSize = mapSize
        self.maximumMapSize = maximumMapSize
        self.maximumBatchRequests = maximumBatchRequests
        self.maximumBatchBytes = maximumBatchBytes
        self.logger = logger
    }
}

/// Counters of the writer since the log was opened: how well group commit is batching.
public struct WriterStatistics: Sendable, Hashable {
    /// Commits (each syncs its data pages once).
    public var commits: Int = 0
    /// Commits that left their meta page for the next commit's sync (more jobs were queued):
    /// each saved a sync.
    public var deferredMetaSyncs: Int = 0
    /// Syncs the writer made on its own when it ran out of work with a commit still waiting.
    public var idleSyncs: Int = 0
    /// Requests (appends and write jobs) that were committed.
    public var committedRequests: Int = 0
    /// Requests that failed (conflicts, hook errors, store full …).
    public var failedRequests: Int = 0
    /// Events appended.
    public var events: Int = 0
    /// Total time spent in write transactions including the fsync, in nanoseconds.
    public var commitNanoseconds: UInt64 = 0
    /// The part of `commitNanoseconds` spent before the commit call: checks, writes and hooks.
    public var applyNanoseconds: UInt64 = 0

    /// Mean requests per commit.
    public var meanBatchSize: Double {
        commits == 0 ? 0 : Double(committedRequests + failedRequests) / Double(commits)
    }
}
