import ArgumentParser
import Foundation
import StrataKit
import StrataLog
import StrataPostgres
import StrataStore
import StrataTools

/// Rebuilds projections from the event log, offline.
@main
struct StrataReplay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-replay",
        abstract: "Rebuild read models from the event log.",
        discussion: """
            Rebuilds one or all projections from position 0 into fresh tables and swaps them in \
            atomically; the old read models serve until the swap, and an interrupted replay leaves \
            them intact. Refuses to run while a server holds the data directory or uses the PostgreSQL \
            database (rebuild online with POST /v1/admin/projections/{name}/rebuild instead). With --dry-run it rebuilds into \
            scratch tables and reports whether they differ from the live read models (exit 1 if any do). \
            --all also rebuilds the aggregates' snapshots; --snapshots rebuild or drop does only that.
            """
    )

    @Option(name: .customLong("data-dir"), help: "The data directory (default: $STRATA_DATA_DIR or ./data).")
    var dataDirectory: String?

    @Option(name: .customLong("postgres-url"), help: "The PostgreSQL database instead (default: $STRATA_POSTGRES_URL).")
    var postgresURL: String?

    @Flag(help: "Rebuild every projection.")
    var all = false

    @Option(help: "Rebuild this projection only.")
    var projection: String?

    @Option(help: "Only rebuild the aggregates' snapshots from the log, or drop them: rebuild or drop.")
    var snapshots: String?

    /// What `--snapshots` asks for.
    private var snapshotAction: Replay.SnapshotAction? { snapshots.flatMap(Replay.SnapshotAction.init(rawValue:)) }

    @Flag(help: "Rebuild into scratch tables and compare with the live read models; change nothing.")
    var dryRun = false

    func validate() throws {
        guard [all, projection != nil, snapshots != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --all, --projection NAME and --snapshots rebuild|drop")
        }
        if let snapshots, snapshotAction == nil { throw ValidationError("--snapshots takes rebuild or drop, not \(snapshots)") }
        if dryRun && snapshots != nil { throw ValidationError("--dry-run compares read models; it does not apply to --snapshots") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let path = dataDirectory ?? environment["STRATA_DATA_DIR"] ?? "./data"
        var directory = StoreLocation(path)
        if let text = postgresURL ?? environment["STRATA_POSTGRES_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                directory = StoreLocation(path, postgresURL: try PostgresURL(text))
            } catch {
                fail("\(postgresURL == nil ? "STRATA_POSTGRES_URL" : "--postgres-url"): \(error)")
            }
        }
        guard directory.hasStore else { fail("\(directory.path) holds no Strata store") }
        let comparisons: [RebuildComparison]
        var snapshotCount: Int?
        do {
            if let snapshotAction {
                snapshotCount = try await Replay.snapshots(directory, snapshotAction)
                comparisons = []
            } else {
                let outcome = try await Replay.run(
                    directory,
                    projection: projection,
                    dryRun: dryRun,
                    snapshots: all && !dryRun ? .rebuild : nil,
                    reporter: ProgressReporter()
                )
                comparisons = outcome.comparisons
                snapshotCount = outcome.snapshots
            }
        } catch let error as EventStoreError where error.code == .locked {
            fail(error.message.contains("rebuild online") ? error.message : error.message + "; stop the server, or rebuild online through the API")
        } catch {
            fail("\(error)")
        }
        guard dryRun else {
            if snapshots == nil { print("rebuilt \(projection ?? "all projections")") }
            if let snapshotCount {
                print(snapshotAction == .drop ? "dropped every snapshot" : "rebuilt snapshots: \(snapshotCount) stored")
            }
            return
        }
        var table = TextTable(headers: ["PROJECTION", "RESULT", "LIVE POSITION", "REBUILT TO"], rightAligned: [2, 3])
        for comparison in comparisons {
            let result = comparison.matches ? "same" : "differs: " + comparison.differingTables.joined(separator: ", ")
            table.add([comparison.projection, result, String(comparison.livePosition), String(comparison.rebuiltPosition)])
        }
        print(table.rendered)
        if comparisons.contains(where: { !$0.matches }) { throw ExitCode(1) }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("strata-replay: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
