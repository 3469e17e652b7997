import Foundation
import StrataKit
import StrataLog
import StrataStore

/// `strata-admin export`: every event as JSON Lines, in position order, from one snapshot.
public enum Exporter {
    /// Writes the export to `output`; returns how many events.
    @discardableResult
    public static func export(_ log: any EventStore, to output: FileHandle) throws -> Int {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var count = 0
        try log.withSnapshot { snapshot in
            try snapshot.forEachEvent(after: 0) { event in
                buffer += try ExportLine(event).encoded()
                buffer.append(UInt8(ascii: "\n"))
                count += 1
                if buffer.count >= 1 << 20 {
                    output.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
                return true
            }
        }
        output.write(Data(buffer))
        return count
    }
}

/// A line of an import that cannot be imported.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// `strata-admin import`: an export into an empty data directory or an empty PostgreSQL
/// database. Every line is checked first — JSON shape, positions 1, 2, 3 … and each stream's
/// versions 1, 2, 3 … — and only then written, so a bad line leaves the store as empty as it was.
public enum Importer {
    /// Imports `file` into `directory`; returns how many events.
    public static func importFile(_ file: String, into directory: StoreLocation, reporter: ProgressReporter? = nil) async throws -> Int {
        let total = try validate(file)
        guard directory.postgresURL == nil else {
            // PostgreSQL: the database must hold no events (checked once it is open).
            try await write(file, into: directory, total: total, reporter: reporter)
            return total
        }
        guard !directory.hasStore else { throw ToolError("\(directory.path) already holds a store; import needs an empty data directory") }
        let existed = FileManager.default.fileExists(atPath: directory.path)
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        do {
            try await write(file, into: directory, total: total, reporter: reporter)
        } catch {
            // Leave the directory as it was.
            if existed {
                let after = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
                for name in after where !before.contains(name) {
                    try? FileManager.default.removeItem(atPath: (directory.path as NSString).appendingPathComponent(name))
                }
            } else {
                try? FileManager.default.removeItem(atPath: directory.path)
            }
            throw error
        }
        return total
    }

    /// Checks every line; returns the number of events.
    static func validate(_ file: String) throws -> Int {
        var versions: [String: UInt64] = [:]
        var expected: UInt64 = 1
        var lineNumber = 0
        var lines = try LineReader(file)
        while let line = try lines.next() {
            lineNumber += 1
            let parsed: ExportLine
            let event: RecordedEvent
            do {
                parsed = try ExportLine.parse(line)
                event = try parsed.recorded()
            } catch let error as ToolError {
                throw ImportError(line: lineNumber, reason: error.description)
            } catch {
                throw ImportError(line: lineNumber, reason: "not an event line (\(Self.describe(error)))")
            }
            guard event.position == expected else {
                throw ImportError(line: lineNumber, reason: "position \(event.position), expected \(expected)")
            }
            let version = (versions[event.streamId] ?? 0) + 1
            guard event.streamVersion == version else {
                throw ImportError(line: lineNumber, reason: "version \(event.streamVersion) of stream \(event.streamId), expected \(version)")
            }
            guard !event.streamId.isEmpty, event.streamId.utf8.count <= 255, !event.type.isEmpty, event.type.utf8.count <= 255 else {
                throw ImportError(line: lineNumber, reason: "stream id and type must be 1–255 bytes")
            }
            versions[event.streamId] = version
            expected += 1
        }
        return lineNumber
    }

    private static func write(_ file: String, into directory: StoreLocation, total: Int, reporter: ProgressReporter?) async throws {
        let log = try directory.openOffline()
        defer { log.close() }
        guard try log.headPosition() == 0 else { throw ToolError("\(directory) already holds events; import needs an empty store") }
        var batch: [RecordedEvent] = []
        var done = 0
        var lines = try LineReader(file)
        while let line = try lines.next() {
            batch.append(try ExportLine.parse(line).recorded())
            if batch.count == 5000 {
                let events = batch
                batch.removeAll(keepingCapacity: true)
                _ = try await log.write { try $0.importRecorded(events) }
                done += events.count
                reporter?.report("import", done: UInt64(done), total: UInt64(total))
            }
        }
        if !batch.isEmpty {
            let events = batch
            _ = try await log.write { try $0.importRecorded(events) }
            done += events.count
        }
        reporter?.report("import", done: UInt64(done), total: UInt64(total), force: true)
        reporter?.finish()
    }

    private static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound(let key, _): return "missing \(key.stringValue)"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? "malformed JSON" : "bad \(path)"
            @unknown default: return "malformed"
            }
        }
        return "\(error)"
    }
}

/// The non-empty lines of a file, read in 1 MiB blocks.
struct LineReader {
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private var start = 0
    private var exhausted = false

    init(_ file: String) throws {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw ToolError("cannot read \(file)") }
        self.handle = handle
    }

    mutating func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[start..<newline]
                start = newline + 1
                if line.isEmpty { continue }
                return line
            }
            if exhausted {
                guard start < pending.count else { return nil }
                let line = pending[start...]
                start = pending.count
                return line
            }
            pending.removeSubrange(..<start)
            start = 0
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty {
                exhausted = true
                try? handle.close()
            } else {
                pending += chunk
            }
        }
    }
}
