import Foundation
import NIOCore
import PostgresNIO
import StrataStore

/// The committed state of the log and tables as one connection sees it: in a snapshot's
/// repeatable-read transaction, or in the writer's transaction before its own writes (which the
/// write set adds on top). Each read is one statement.
struct PostgresLogReader {
    let connection: BlockingConnection

    static let eventColumns = "position, stream_id, stream_version, event_id, type, recorded_at, metadata, data"

    func headPosition() throws -> UInt64 {
        let rows = try connection.query("SELECT position FROM strata_head WHERE id = 1")
        guard let row = rows.first(where: { _ in true }) else { throw EventStoreError(.storage, "strata_head has no row") }
        return UInt64(try row.decode(Int64.self))
    }

    func event(at position: UInt64) throws -> RecordedEvent? {
        try events("SELECT \(Self.eventColumns) FROM strata_events WHERE position = $1", [Self.int(position)]).first
    }

    func events(at positions: [UInt64]) throws -> [RecordedEvent] {
        guard !positions.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(positions.map(Self.int))
        return try events("SELECT \(Self.eventColumns) FROM strata_events WHERE position = ANY($1) ORDER BY position", binds)
    }

    func readAll(after position: UInt64, direction: ScanDirection, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        switch direction {
        case .forward:
            return try events(
                "SELECT \(Self.eventColumns) FROM strata_events WHERE position > $1 ORDER BY position LIMIT $2",
                [Self.int(position), Int64(limit)]
            )
        case .backward:
            return try events(
                "SELECT \(Self.eventColumns) FROM strata_events WHERE position < $1 ORDER BY position DESC LIMIT $2",
                [position == 0 ? Int64.max : Self.int(position), Int64(limit)]
            )
        }
    }

    /// Calls `body` with each event after `position`, a page of 500 at a time, until it returns
    /// `false`; returns whether it went to the end.
    func forEachEvent(after position: UInt64, _ body: (RecordedEvent) throws -> Bool) throws -> Bool {
        var cursor = position
        while true {
            let page = try readAll(after: cursor, direction: .forward, limit: 500)
            for event in page { guard try body(event) else { return false } }
            guard page.count == 500, let last = page.last else { return true }
            cursor = last.position
        }
    }

    func readStream(_ streamId: String, from version: UInt64?, direction: ScanDirection, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        var binds = PostgresBindings()
        binds.append(streamId)
        switch direction {
        case .forward:
            binds.append(Self.int(version ?? 1))
            binds.append(Int64(limit))
            return try events(
                "SELECT \(Self.eventColumns) FROM strata_events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3",
                binds
            )
        case .backward:
            binds.append(Self.int(version ?? UInt64(Int64.max)))
            binds.append(Int64(limit))
            return try events(
                "SELECT \(Self.eventColumns) FROM strata_events WHERE stream_id = $1 AND stream_version <= $2 ORDER BY stream_version DESC LIMIT $3",
                binds
            )
        }
    }

    func readByType(_ type: String, after position: UInt64, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        var binds = PostgresBindings()
        binds.append(type)
        binds.append(Self.int(position))
        binds.append(Int64(limit))
        return try events(
            "SELECT \(Self.eventColumns) FROM strata_events WHERE type = $1 AND position > $2 ORDER BY position LIMIT $3",
            binds
        )
    }

    func streamVersion(_ streamId: String) throws -> UInt64 {
        var binds = PostgresBindings()
        binds.append(streamId)
        let rows = try connection.query("SELECT version FROM strata_streams WHERE stream_id = $1", binds)
        for row in rows { return UInt64(try row.decode(Int64.self)) }
        return 0
    }

    func streams(prefix: String, after: String?, limit: Int) throws -> [StreamSummary] {
        guard limit > 0 else { return [] }
        var binds = PostgresBindings()
        var conditions: [String] = []
        if let after, after.hasPrefix(prefix) {
            binds.append(after)
            conditions.append("stream_id > $\(binds.count)")
        } else if !prefix.isEmpty {
            binds.append(prefix)
            conditions.append("stream_id >= $\(binds.count)")
        }
        if let upper = Self.successor(of: prefix) {
            binds.append(upper)
            conditions.append("stream_id < $\(binds.count)")
        }
        binds.append(Int64(limit))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try connection.query("SELECT stream_id, version FROM strata_streams \(filter) ORDER BY stream_id LIMIT $\(binds.count)", binds)
        return try rows.map { row in
            let (id, version) = try row.decode((String, Int64).self)
            return StreamSummary(streamId: id, version: UInt64(version))
        }
    }

    func eventTypes() throws -> [EventTypeSummary] {
        let rows = try connection.query("SELECT type, count, last_position FROM strata_types ORDER BY type")
        return try rows.map { row in
            let (type, count, last) = try row.decode((String, Int64, Int64).self)
            return EventTypeSummary(type: type, count: Int(count), lastPosition: UInt64(last))
        }
    }

    // MARK: Tables

    func tableId(named name: String) throws -> Int32? {
        var binds = PostgresBindings()
        binds.append(name)
        for row in try connection.query("SELECT id FROM strata_tables WHERE name = $1", binds) { return try row.decode(Int32.self) }
        return nil
    }

    func tableNames() throws -> [String] {
        try connection.query("SELECT name FROM strata_tables ORDER BY name").map { try $0.decode(String.self) }
    }

    func get(_ table: Int32, key: [UInt8]) throws -> [UInt8]? {
        var binds = PostgresBindings()
        binds.append(table)
        binds.append(ByteBuffer(bytes: key))
        for row in try connection.query("SELECT value FROM strata_rows WHERE tbl = $1 AND key = $2", binds) {
            return Self.bytes(try row.decode(ByteBuffer.self))
        }
        return nil
    }

    /// Up to `limit` entries from `start` in `direction` (including `start` when `inclusive`).
    func page(_ table: Int32, from start: [UInt8]?, inclusive: Bool, direction: ScanDirection, limit: Int) throws -> [(key: [UInt8], value: [UInt8])] {
        var binds = PostgresBindings()
        binds.append(table)
        var condition = ""
        if let start {
            binds.append(ByteBuffer(bytes: start))
            let comparison = direction == .forward ? (inclusive ? ">=" : ">") : (inclusive ? "<=" : "<")
            condition = " AND key \(comparison) $2"
        }
        binds.append(Int64(limit))
        let order = direction == .forward ? "ASC" : "DESC"
        let rows = try connection.query(
            "SELECT key, value FROM strata_rows WHERE tbl = $1\(condition) ORDER BY key \(order) LIMIT $\(binds.count)",
            binds
        )
        return try rows.map { row in
            let (key, value) = try row.decode((ByteBuffer, ByteBuffer).self)
            return (Self.bytes(key), Self.bytes(value))
        }
    }

    func count(_ table: Int32) throws -> Int {
        var binds = PostgresBindings()
        binds.append(table)
        for row in try connection.query("SELECT count(*) FROM strata_rows WHERE tbl = $1", binds) { return Int(try row.decode(Int64.self)) }
        return 0
    }

    /// Which of `keys` have a row in `table`.
    func present(_ table: Int32, keys: [[UInt8]]) throws -> Set<[UInt8]> {
        guard !keys.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(table)
        binds.append(keys.map { ByteBuffer(bytes: $0) })
        let rows = try connection.query("SELECT key FROM strata_rows WHERE tbl = $1 AND key = ANY($2)", binds)
        return Set(try rows.map { Self.bytes(try $0.decode(ByteBuffer.self)) })
    }

    // MARK: Decoding

    private func events(_ sql: String, _ values: [Int64]) throws -> [RecordedEvent] {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return try events(sql, binds)
    }

    private func events(_ sql: String, _ binds: PostgresBindings) throws -> [RecordedEvent] {
        try connection.query(sql, binds).map(Self.event)
    }

    static func event(_ row: PostgresRow) throws -> RecordedEvent {
        let (position, streamId, version, id, type, micros, metadata, data) =
            try row.decode((Int64, String, Int64, UUID, String, Int64, ByteBuffer, ByteBuffer).self)
        return RecordedEvent(
            position: UInt64(position),
            streamId: streamId,
            streamVersion: UInt64(version),
            id: id,
            type: type,
            recordedAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000),
            metadata: bytes(metadata),
            data: bytes(data)
        )
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] {
        Array(buffer.readableBytesView)
    }

    /// A position or version as PostgreSQL's bigint (larger values clamp: nothing is stored there).
    static func int(_ value: UInt64) -> Int64 {
        Int64(clamping: value)
    }

    /// The smallest text greater than every text starting with `prefix` in byte order, or `nil`
    /// when there is none (the empty prefix).
    static func successor(of prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var next = last.value + 1
            if next == 0xD800 { next = 0xE000 }
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                var text = String.UnicodeScalarView()
                text.append(contentsOf: scalars)
                return String(text)
            }
        }
        return nil
    }
}
