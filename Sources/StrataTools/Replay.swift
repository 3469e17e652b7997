import StrataKit
import StrataLog

/// What `strata-replay` does: rebuild projections from position 0 offline, swapping each in
/// atomically, or (dry run) rebuild into scratch tables and compare with the live ones.
public enum Replay {
    /// Rebuilds `projection` (or all when `nil`). Returns the comparisons of a dry run, none otherwise.
    ///
    /// - Throws: ``EventLogError`` with ``EventLogError/Code/locked`` when a server holds the directory.
    public static func run(
        _ directory: DataDirectory,
        projection: String?,
        dryRun: Bool,
        reporter: ProgressReporter?
    ) async throws -> [RebuildComparison] {
        let store = try await OfflineStore(directory)
        defer { store.close() }
        let names =
            try projection.map { name in
                guard store.runner.names.contains(name) else {
                    throw ToolError("no projection \(name); there are: \(store.runner.names.joined(separator: ", "))")
                }
                return [name]
            } ?? store.runner.names
        var comparisons: [RebuildComparison] = []
        for name in names {
            let progress: @Sendable (RebuildProgress) -> Void = { reporter?.report(name, done: $0.position, total: $0.head) }
            if dryRun {
                comparisons.append(try await store.runner.verifyByRebuilding(name, progress: progress))
            } else {
                try await store.runner.rebuild(name, progress: progress)
            }
            let head = try store.log.headPosition()
            reporter?.report(name, done: head, total: head, force: true)
            reporter?.finish()
        }
        if !dryRun { try await store.runner.dropRetiredTables() }
        return comparisons
    }
}
