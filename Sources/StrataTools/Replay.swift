import StrataKit
import StrataLog
import StrataStore
import Synchronization

/// What `strata-replay` does: rebuild projections from position 0 offline, swapping each in
/// atomically, or (dry run) rebuild into scratch tables and compare with the live ones.
public enum Replay {
    /// What a replay did: the comparisons of a dry run (none otherwise), and how many snapshots
    /// are stored when it also rebuilt or dropped them.
    public struct Outcome: Sendable {
        public var comparisons: [RebuildComparison]
        public var snapshots: Int?
        /// How long the store's writer was held by the replay's write transactions (syncs
        /// included): what live writers would have waited for behind an online rebuild.
        public var writerSeconds: Double
    }

    /// Rebuilds `projection` (or all when `nil`) of `modules` (by default those the store's server
    /// recorded), then, with `snapshots`, rebuilds or drops the
    /// aggregates' snapshots on the same opened store.
    ///
    /// - Throws: ``EventStoreError`` with ``EventStoreError/Code/locked`` when a server holds the directory.
    public static func run(
        _ directory: StoreLocation,
        modules: [any StrataModule]? = nil,
        projection: String?,
        dryRun: Bool,
        snapshots action: SnapshotAction? = nil,
        reporter: ProgressReporter?
    ) async throws -> Outcome {
        let store = try await OfflineStore(directory, modules: modules)
        defer { store.close() }
        let writerNanoseconds = Atomic<UInt64>(0)
        store.log.onCommit { writerNanoseconds.add($0.nanoseconds, ordering: .relaxed) }
        let names =
            try projection.map { name in
                guard store.runner.names.contains(name) else {
                    throw ToolError("no projection \(name); there are: \(store.runner.names.joined(separator: ", "))")
                }
                return [name]
            } ?? store.runner.names
        // One pass over the log for all of them: each event is read and decoded once.
        let label = names.count == 1 ? names[0] : "replay"
        let progress: @Sendable (RebuildProgress) -> Void = { reporter?.report(label, done: $0.position, total: $0.head) }
        var comparisons: [RebuildComparison] = []
        if dryRun {
            comparisons = try await store.runner.verifyByRebuilding(names, progress: progress)
        } else {
            try await store.runner.rebuild(names, progress: progress)
            try await store.runner.dropRetiredTables()
        }
        let head = try store.log.headPosition()
        reporter?.report(label, done: head, total: head, force: true)
        reporter?.finish()
        var snapshots: Int?
        if let action { snapshots = try await replaceSnapshots(in: store, action) }
        let writerSeconds = Double(writerNanoseconds.load(ordering: .relaxed)) / 1e9
        return Outcome(comparisons: comparisons, snapshots: snapshots, writerSeconds: writerSeconds)
    }

    /// What `--snapshots` does with the aggregates' snapshots.
    public enum SnapshotAction: String, Sendable, CaseIterable {
        /// Store a fresh snapshot of every long stream, folded from the log, in place of the old ones.
        case rebuild
        /// Remove them all: commands fold their streams and store new ones as they go.
        case drop
    }

    /// Rebuilds or drops every aggregate snapshot in one transaction, offline. Returns how many
    /// snapshots are stored afterwards.
    ///
    /// - Throws: ``EventStoreError`` with ``EventStoreError/Code/locked`` when a server holds the directory.
    public static func snapshots(_ directory: StoreLocation, modules: [any StrataModule]? = nil, _ action: SnapshotAction) async throws -> Int {
        let store = try await OfflineStore(directory, modules: modules)
        defer { store.close() }
        return try await replaceSnapshots(in: store, action)
    }

    /// Drops every snapshot of `store` and, to rebuild, stores fresh ones, in one transaction.
    private static func replaceSnapshots(in store: OfflineStore, _ action: SnapshotAction) async throws -> Int {
        let app = store.app
        let registry = app.registry
        let snapshots = AggregateSnapshots(every: app.snapshotEvery, store: store.log, registry: registry)
        let (written, _) = try await store.log.perform { transaction in
            try AggregateSnapshots.dropAll(in: transaction)
            guard action == .rebuild else { return 0 }
            var written = 0
            for type in app.snapshottingAggregates { written += try snapshots.rebuild(type, registry: registry, in: transaction) }
            return written
        }
        return written
    }
}
