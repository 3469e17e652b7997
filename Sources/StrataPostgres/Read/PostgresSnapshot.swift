import StrataStore

/// A consistent, read-only view of the log and its tables: one repeatable-read transaction on a
/// pooled connection, valid only inside ``PostgresEventStore/withSnapshot(_:)``.
final class PostgresSnapshot: StoreSnapshot {
    let reader: PostgresLogReader

    init(reader: PostgresLogReader) {
        self.reader = reader
    }

    func headPosition() throws -> UInt64 { try reader.headPosition() }

    func event(at position: UInt64) throws -> RecordedEvent? { try reader.event(at: position) }

    func events(at positions: [UInt64]) throws -> [RecordedEvent] { try reader.events(at: positions) }

    func forEachEvent(after position: UInt64, _ body: (RecordedEvent) throws -> Bool) throws {
        _ = try reader.forEachEvent(after: position, body)
    }

    func readAll(after position: UInt64, direction: ScanDirection, limit: Int) throws -> [RecordedEvent] {
        try reader.readAll(after: position, direction: direction, limit: limit)
    }

    func readStream(_ streamId: String, from version: UInt64?, direction: ScanDirection, limit: Int) throws -> [RecordedEvent] {
        try reader.readStream(streamId, from: version, direction: direction, limit: limit)
    }

    func readStream(_ streamId: String, from version: UInt64, limit: Int) throws -> [RecordedEvent] {
        try reader.readStream(streamId, from: version, direction: .forward, limit: limit)
    }

    func readByType(_ type: String, after position: UInt64, limit: Int) throws -> [RecordedEvent] {
        try reader.readByType(type, after: position, limit: limit)
    }

    func streamVersion(_ streamId: String) throws -> UInt64 { try reader.streamVersion(streamId) }

    func streams(prefix: String, after: String?, limit: Int) throws -> [StreamSummary] {
        try reader.streams(prefix: prefix, after: after, limit: limit)
    }

    func eventTypes() throws -> [EventTypeSummary] { try reader.eventTypes() }

    func get(_ table: Table, key: [UInt8]) throws -> [UInt8]? {
        try reader.get(table.rowsId, key: key)
    }

    func scan(
        _ table: Table,
        from start: [UInt8]?,
        direction: ScanDirection,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let id = table.rowsId
        var cursor = start
        var inclusive = true
        while true {
            let page = try reader.page(id, from: cursor, inclusive: inclusive, direction: direction, limit: 256)
            for row in page {
                let goOn = try row.key.withUnsafeBytes { key in try row.value.withUnsafeBytes { value in try body(key, value) } }
                guard goOn else { return }
            }
            guard page.count == 256, let last = page.last else { return }
            cursor = last.key
            inclusive = false
        }
    }

    func count(_ table: Table) throws -> Int {
        try reader.count(table.rowsId)
    }
}
