import ArgumentParser
import CLMDB
import Foundation
import StrataLog
import StrataStore

/// Durable appends through the event log at several concurrency levels, a full read of the log,
/// and the baseline: a raw LMDB loop over the same CLMDB appending 100 events per durable
/// transaction.
struct LogBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Event log appends and reads against a raw LMDB loop."
    )

    @Option(help: "Seconds each append measurement runs.")
    var seconds: Double = 5

    @Option(help: "Events to load for the full-read measurement.")
    var readEvents: Int = 1_000_000

    @Option(parsing: .upToNextOption, help: "Concurrent appenders to measure.")
    var appenders: [Int] = [1, 16, 64]

    @Option(help: "Where to put scratch stores (default: the system temporary directory).")
    var directory: String?

    func run() async throws {
        print("# strata-bench log — \(Date().formatted(.iso8601))")
        print(
            "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; seconds per run: \(seconds)"
        )
        print("")
        let (raw, rawWritten) = try rawLMDBLoop()
        print("| measurement | events/s | vs raw loop | mean batch (requests/commit) | commits/s | commit ms (of which apply) | KiB written/commit |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(
            "| raw LMDB loop, 100 events per durable txn | \(grouped(Int(raw))) | 1.00 | — | \(grouped(Int(raw / 100))) | \(format(100_000 / raw)) | \(format(rawWritten, 0)) |"
        )
        for count in appenders {
            let result = try await durableAppends(appenders: count)
            print(
                "| EventLog.append, \(count) concurrent appender\(count == 1 ? "" : "s"), 1 event each | \(grouped(Int(result.eventsPerSecond))) "
                    + "| \(format(result.eventsPerSecond / raw)) | \(format(result.meanBatch, 1)) | \(grouped(Int(result.commitsPerSecond))) "
                    + "| \(format(result.meanCommitMilliseconds)) (\(format(result.meanApplyMilliseconds))) | \(format(result.kibibytesWrittenPerCommit, 0)) |"
            )
        }
        let read = try await fullRead()
        print("")
        print("| full read | events | seconds | events/s |")
        print("|---|---:|---:|---:|")
        print(
            "| EventLog snapshot forEachEvent (decode + CRC check) | \(grouped(read.events)) | \(String(format: "%.2f", read.seconds)) | \(rate(read.events, read.seconds)) |"
        )
        print(
            "| raw LMDB cursor scan of the same events table | \(grouped(read.events)) | \(String(format: "%.2f", read.rawSeconds)) | \(rate(read.events, read.rawSeconds)) |"
        )
        let rawBytes = try rawStoreBytes(events: read.events, under: directory)
        let logPerEvent = Double(read.logBytes) / Double(max(1, read.events))
        let rawPerEvent = Double(rawBytes) / Double(max(1, read.events))
        print("")
        print("| bytes on disk (the same \(grouped(read.events)) payloads) | bytes used | bytes per event | vs raw store |")
        print("|---|---:|---:|---:|")
        print("| EventLog (records, stream and type indexes, heads) | \(grouped(read.logBytes)) | \(format(logPerEvent, 1)) | \(format(logPerEvent / rawPerEvent)) |")
        print("| raw LMDB store: position → data + metadata | \(grouped(rawBytes)) | \(format(rawPerEvent, 1)) | 1.00 |")
    }

    private struct AppendFigures {
        var eventsPerSecond: Double
        var meanBatch: Double
        var commitsPerSecond: Double
        var meanCommitMilliseconds: Double
        var meanApplyMilliseconds: Double
        var kibibytesWrittenPerCommit: Double
    }

    /// `count` tasks each append one event at a time to a stream of their own, with exact
    /// expected versions, for `seconds`.
    private func durableAppends(appenders count: Int) async throws -> AppendFigures {
        let scratch = try ScratchDirectory(under: directory, label: "append-\(count)")
        defer { scratch.remove() }
        let log = try EventLog.open(directory: scratch.path)
        defer { log.close() }
        let writtenBefore = writtenBytes()
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let (events, elapsed) = try await measure {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for appender in 0..<count {
                    group.addTask {
                        var version: UInt64 = 0
                        let stream = "bench-\(appender)"
                        while ContinuousClock.now < deadline {
                            let event = EventData(type: "OrderLinePlaced", data: SamplePayload.data, metadata: SamplePayload.metadata)
                            _ = try await log.append(AppendRequest(streamId: stream, expectedVersion: .exact(version), events: [event]))
                            version += 1
                        }
                        return Int(version)
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        let statistics = log.writerStatistics
        let commits = Double(max(1, statistics.commits))
        return AppendFigures(
            eventsPerSecond: Double(events) / elapsed,
            meanBatch: statistics.meanBatchSize,
            commitsPerSecond: Double(statistics.commits) / elapsed,
            meanCommitMilliseconds: Double(statistics.commitNanoseconds) / commits / 1e6,
            meanApplyMilliseconds: Double(statistics.applyNanoseconds) / commits / 1e6,
            kibibytesWrittenPerCommit: Double(writtenBytes() - writtenBefore) / 1024 / commits
        )
    }

    /// The baseline: one thread, 100 puts per transaction with `MDB_APPEND`, durable commit each.
    /// Records are the same size as the log's.
    private func rawLMDBLoop() throws -> (eventsPerSecond: Double, kibibytesWrittenPerCommit: Double) {
        let scratch = try ScratchDirectory(under: directory, label: "raw")
        defer { scratch.remove() }
        let (environment, database) = try openRawEnvironment(scratch.path, mapSize: 1 << 32)
        defer { mdb_env_close(environment) }

        // Same size as an EventLog record of the sample event: header, ids, names, payloads, CRC.
        let recordSize = 45 + "bench-0".utf8.count + "OrderLinePlaced".utf8.count + 8 + SamplePayload.data.count + SamplePayload.metadata.count + 4
        var record = [UInt8](repeating: 0x5a, count: recordSize)
        var position: UInt64 = 0
        let writtenBefore = writtenBytes()
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        while ContinuousClock.now < deadline {
            var transaction: OpaquePointer?
            try lmdb(mdb_txn_begin(environment, nil, 0, &transaction))
            for _ in 0..<100 {
                position += 1
                try appendRaw(&record, at: position, to: database, in: transaction)
            }
            try lmdb(mdb_txn_commit(transaction))
        }
        let elapsed = ContinuousClock.now - start
        let eventsPerSecond = Double(position) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return (eventsPerSecond, Double(writtenBytes() - writtenBefore) / 1024 / Double(max(1, position / 100)))
    }

    private struct ReadFigures {
        var events: Int
        var seconds: Double
        var rawSeconds: Double
        /// Bytes the log's store uses with those events.
        var logBytes: Int
    }

    /// Loads `readEvents` events (1,000 per append), then reads them all back through a snapshot,
    /// and scans the same table with a raw cursor.
    private func fullRead() async throws -> ReadFigures {
        let scratch = try ScratchDirectory(under: directory, label: "read")
        defer { scratch.remove() }
        let log = try EventLog.open(directory: scratch.path)
        let batch = 1000
        var loaded = 0
        while loaded < readEvents {
            let count = min(batch, readEvents - loaded)
            let events = (0..<count).map { _ in EventData(type: "OrderLinePlaced", data: SamplePayload.data, metadata: SamplePayload.metadata) }
            _ = try await log.append(AppendRequest(streamId: "load-\(loaded / batch % 1000)", expectedVersion: .any, events: events))
            loaded += count
        }
        let (read, seconds) = try await measure {
            try log.withSnapshot { snapshot in
                var count = 0
                var bytes = 0
                try snapshot.forEachEvent { event in
                    count += 1
                    bytes &+= event.data.count
                    return true
                }
                return count
            }
        }
        let logBytes = try log.storeStatistics().usedBytes
        log.close()
        let rawSeconds = try rawCursorScan(scratch.path, expecting: read)
        return ReadFigures(events: read, seconds: seconds, rawSeconds: rawSeconds, logBytes: logBytes)
    }
}

struct LMDBFailure: Error, CustomStringConvertible {
    let code: Int32
    var description: String { String(cString: mdb_strerror(code)) }
}

func lmdb(_ code: Int32) throws {
    if code != MDB_SUCCESS { throw LMDBFailure(code: code) }
}

/// A bare LMDB environment at `path` with one `events` database: the raw baselines' store.
func openRawEnvironment(_ path: String, mapSize: Int) throws -> (OpaquePointer?, MDB_dbi) {
    var environment: OpaquePointer?
    try lmdb(mdb_env_create(&environment))
    do {
        try lmdb(mdb_env_set_mapsize(environment, mapSize))
        try lmdb(mdb_env_set_maxdbs(environment, 4))
        try lmdb(mdb_env_open(environment, path, UInt32(MDB_NOTLS), 0o600))
        var database = MDB_dbi()
        var setup: OpaquePointer?
        try lmdb(mdb_txn_begin(environment, nil, 0, &setup))
        try lmdb(mdb_dbi_open(setup, "events", UInt32(MDB_CREATE), &database))
        try lmdb(mdb_txn_commit(setup))
        return (environment, database)
    } catch {
        mdb_env_close(environment)
        throw error
    }
}

/// One `mdb_put` with `MDB_APPEND` of `value` under `position` (8 bytes, big-endian): the raw
/// baselines' only write.
func appendRaw(_ value: inout [UInt8], at position: UInt64, to database: MDB_dbi, in transaction: OpaquePointer?) throws {
    var key = position.bigEndian
    try withUnsafeMutableBytes(of: &key) { keyBytes in
        try value.withUnsafeMutableBytes { valueBytes in
            var keyValue = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
            var dataValue = MDB_val(mv_size: valueBytes.count, mv_data: valueBytes.baseAddress)
            try lmdb(mdb_put(transaction, database, &keyValue, &dataValue, UInt32(MDB_APPEND)))
        }
    }
}

func format(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
}

/// Bytes this process has caused to be written to storage (`write_bytes` of /proc/self/io).
func writtenBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
        return Int(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
}

/// Walks the `events` table with a bare cursor, touching every value's bytes.
func rawCursorScan(_ path: String, expecting count: Int) throws -> Double {
    var environment: OpaquePointer?
    try lmdb(mdb_env_create(&environment))
    defer { mdb_env_close(environment) }
    try lmdb(mdb_env_set_maxdbs(environment, 16))
    try lmdb(mdb_env_open(environment, path, UInt32(MDB_RDONLY | MDB_NOTLS), 0o600))
    var transaction: OpaquePointer?
    try lmdb(mdb_txn_begin(environment, nil, UInt32(MDB_RDONLY), &transaction))
    defer { mdb_txn_abort(transaction) }
    var database = MDB_dbi()
    try lmdb(mdb_dbi_open(transaction, "events", 0, &database))
    var cursor: OpaquePointer?
    try lmdb(mdb_cursor_open(transaction, database, &cursor))
    defer { mdb_cursor_close(cursor) }
    var key = MDB_val()
    var value = MDB_val()
    var seen = 0
    var checksum: UInt8 = 0
    let start = ContinuousClock.now
    var code = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
    while code == MDB_SUCCESS {
        seen += 1
        let bytes = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
        checksum &+= bytes.last ?? 0
        code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
    }
    let elapsed = ContinuousClock.now - start
    guard seen == count else { throw ValidationError("raw scan saw \(seen) events, expected \(count) (checksum \(checksum))") }
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
