import LMDB
import StrataStore

/// A consistent, read-only view of the log and its tables at one moment, valid only inside
/// ``EventLog/withSnapshot(_:)``. Several reads through one snapshot agree with each other.
final class LogSnapshot: StoreSnapshot, LogReading {
    let reader: LogReader

    init(transaction: Transaction, tables: LogTables) {
        reader = LogReader(transaction: transaction, tables: tables)
    }
}

/// The reads snapshots and write transactions share, through their ``LogReader``.
protocol LogReading: StoreReading {
    var reader: LogReader { get }
}

extension LogReading {
    func headPosition() throws -> UInt64 { try reader.headPosition() }

    func streamVersion(_ streamId: String) throws -> UInt64 { try reader.streamVersion(streamId) }

    func event(at position: UInt64) throws -> RecordedEvent? { try reader.event(at: position) }

    func readAll(after position: UInt64, direction: StrataStore.ScanDirection, limit: Int) throws -> [RecordedEvent] {
        try reader.events(after: position, direction: direction, limit: limit)
    }

    func forEachEvent(after position: UInt64, _ body: (RecordedEvent) throws -> Bool) throws {
        try reader.forEachEvent(after: position, body)
    }

    func readStream(_ streamId: String, from version: UInt64?, direction: StrataStore.ScanDirection, limit: Int) throws -> [RecordedEvent] {
        let start = version ?? (direction == .forward ? 1 : .max)
        return try reader.stream(streamId, from: start, direction: direction, limit: limit)
    }

    func readStream(_ streamId: String, from version: UInt64, limit: Int) throws -> [RecordedEvent] {
        try reader.stream(streamId, from: version, direction: .forward, limit: limit)
    }

    func readByType(_ type: String, after position: UInt64, limit: Int) throws -> [RecordedEvent] {
        try reader.events(ofType: type, after: position, limit: limit)
    }

    func streams(prefix: String, after: String?, limit: Int) throws -> [StreamSummary] {
        try reader.streams(prefix: prefix, after: after, limit: limit)
    }

    func eventTypes() throws -> [EventTypeSummary] { try reader.eventTypes() }

    // A table created after this snapshot began is not in it: empty here, as it was then.

    func get(_ table: Table, key: [UInt8]) throws -> [UInt8]? {
        guard reader.transaction.sees(table.database) else { return nil }
        return try reader.transaction.get(table.database, key: key)
    }

    func scan(
        _ table: Table,
        from start: [UInt8]?,
        direction: StrataStore.ScanDirection,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard reader.transaction.sees(table.database) else { return }
        try reader.transaction.scan(table.database, from: start, direction: LMDB.ScanDirection(direction), body)
    }

    func count(_ table: Table) throws -> Int {
        guard reader.transaction.sees(table.database) else { return 0 }
        return try reader.transaction.statistics(table.database).entries
    }
}

extension LMDB.ScanDirection {
    init(_ direction: StrataStore.ScanDirection) {
        switch direction {
        case .forward: self = .forward
        case .backward: self = .backward
        }
    }
}
