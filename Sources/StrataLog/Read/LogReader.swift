import Foundation
import LMDB
import StrataStore

/// Reads of the log inside one LMDB transaction; shared by ``LogSnapshot`` and ``LogTransaction``
/// so both see the log the same way.
struct LogReader {
    let transaction: Transaction
    let tables: LogTables

    func headPosition() throws -> UInt64 {
        let cursor = try transaction.cursor(tables.events)
        defer { cursor.close() }
        guard try cursor.last() else { return 0 }
        guard let position = cursor.currentKey.bigEndianUInt64 else {
            throw EventStoreError.corrupt(at: 0, "last key of the events table is not a position")
        }
        return position
    }

    func streamVersion(_ streamId: String) throws -> UInt64 {
        try streamTail(streamId)?.version ?? 0
    }

    /// The stream's head: its version and the newest index entries (see ``IndexTail``).
    func streamTail(_ streamId: String) throws -> IndexTail? {
        try transaction.withValue(tables.heads, key: Array(streamId.utf8)) { value in
            guard let value else { return nil }
            guard let tail = IndexTail(value) else {
                throw EventStoreError.corrupt(at: 0, "head of stream \(streamId) is malformed")
            }
            return tail
        }
    }

    /// The type's newest index entries (see ``IndexTail``).
    func typeTail(_ type: String) throws -> IndexTail? {
        try transaction.withValue(tables.typeTails, key: Array(type.utf8)) { value in
            guard let value else { return nil }
            guard let tail = IndexTail(value) else {
                throw EventStoreError.corrupt(at: 0, "index tail of type \(type) is malformed")
            }
            return tail
        }
    }

    func event(at position: UInt64) throws -> RecordedEvent? {
        try transaction.withValue(tables.events, key: [UInt8].bigEndian(position)) { value in
            guard let value else { return nil }
            return try EventRecord.decode(value, position: position)
        }
    }

    func events(after position: UInt64, direction: StrataStore.ScanDirection, limit: Int) throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        guard limit > 0 else { return events }
        let start: [UInt8]?
        switch direction {
        case .forward: start = [UInt8].bigEndian(position &+ 1)
        case .backward: start = position == 0 ? nil : (position == 1 ? nil : [UInt8].bigEndian(position - 1))
        }
        if direction == .backward && position == 1 { return events }
        try transaction.scan(tables.events, from: start, direction: LMDB.ScanDirection(direction)) { key, value in
            guard let at = key.bigEndianUInt64 else { throw EventStoreError.corrupt(at: 0, "malformed position key") }
            events.append(try EventRecord.decode(value, position: at))
            return events.count < limit
        }
        return events
    }

    /// Calls `body` for each event after `position` in log order until it returns `false`.
    func forEachEvent(after position: UInt64, _ body: (RecordedEvent) throws -> Bool) throws {
        try transaction.scan(tables.events, from: [UInt8].bigEndian(position &+ 1)) { key, value in
            guard let at = key.bigEndianUInt64 else { throw EventStoreError.corrupt(at: 0, "malformed position key") }
            return try body(try EventRecord.decode(value, position: at))
        }
    }

    /// Reads a stream from `version` (inclusive) in `direction`. A backward read from
    /// `UInt64.max` starts at the stream's last event. Older versions come from the `streams`
    /// index (one entry per run of versions, keyed by the run's last version), the newest from the
    /// stream's tail in `heads`.
    func stream(_ streamId: String, from version: UInt64, direction: StrataStore.ScanDirection, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0, let tail = try streamTail(streamId) else { return [] }
        let tailStart = tail.positions.isEmpty ? tail.version + 1 : tail.firstVersion
        var positions: [UInt64] = []
        switch direction {
        case .forward:
            let start = max(version, 1)
            if start < tailStart {
                try forEachStreamRun(streamId, containing: start, direction: .forward) { firstVersion, run in
                    for (offset, position) in run.enumerated() where firstVersion + UInt64(offset) >= start {
                        positions.append(position)
                        if positions.count == limit { return false }
                    }
                    return true
                }
            }
            var wanted = max(start, tailStart)
            while positions.count < limit, let position = tail.position(ofVersion: wanted) {
                positions.append(position)
                wanted += 1
            }
        case .backward:
            var wanted = min(version, tail.version)
            while positions.count < limit, wanted >= 1, let position = tail.position(ofVersion: wanted) {
                positions.append(position)
                wanted -= 1
            }
            if positions.count < limit, wanted >= 1 {
                let last = wanted
                try forEachStreamRun(streamId, containing: last, direction: .backward) { firstVersion, run in
                    for (offset, position) in run.enumerated().reversed() where firstVersion + UInt64(offset) <= last {
                        positions.append(position)
                        if positions.count == limit { return false }
                    }
                    return true
                }
            }
        }
        return try positions.map { position in
            guard let event = try event(at: position) else {
                throw EventStoreError.corrupt(at: position, "stream index of \(streamId) points at a missing event")
            }
            return event
        }
    }

    /// Walks the stream's index runs from the one holding `version`, calling `body` with each run's
    /// first version and positions until it returns `false`.
    func forEachStreamRun(
        _ streamId: String,
        containing version: UInt64,
        direction: StrataStore.ScanDirection,
        _ body: (UInt64, [UInt64]) throws -> Bool
    ) throws {
        let prefix = IndexKeys.prefix(streamId)
        let cursor = try transaction.cursor(tables.streams)
        defer { cursor.close() }
        var found = try cursor.seek(atLeast: IndexKeys.stream(streamId, version: version))
        while found, IndexKeys.matches(cursor.currentKey, prefix: prefix) {
            guard let lastVersion = IndexKeys.split(cursor.currentKey)?.number, let run = PositionRun.decode(cursor.currentValue),
                !run.isEmpty, UInt64(run.count) <= lastVersion
            else {
                throw EventStoreError.corrupt(at: 0, "stream index entry of \(streamId) is malformed")
            }
            guard try body(lastVersion - UInt64(run.count) + 1, run) else { return }
            found = try cursor.step(LMDB.ScanDirection(direction))
        }
    }

    /// The position of a stream version according to the index (runs or tail), or `nil`.
    func indexedPosition(_ streamId: String, version: UInt64, tail: IndexTail?) throws -> UInt64? {
        if let position = tail?.position(ofVersion: version) { return position }
        var found: UInt64?
        try forEachStreamRun(streamId, containing: version, direction: .forward) { firstVersion, run in
            if version >= firstVersion, version - firstVersion < UInt64(run.count) { found = run[Int(version - firstVersion)] }
            return false
        }
        return found
    }

    /// Walks the type's index runs from the one that may hold `position`, calling `body` with each
    /// run until it returns `false`.
    func forEachTypeRun(_ type: String, from position: UInt64, _ body: ([UInt64]) throws -> Bool) throws {
        let prefix = IndexKeys.prefix(type)
        try transaction.scan(tables.types, from: IndexKeys.type(type, position: position)) { key, value in
            guard IndexKeys.matches(key, prefix: prefix) else { return false }
            guard let run = PositionRun.decode(value), !run.isEmpty else {
                throw EventStoreError.corrupt(at: 0, "type index entry of \(type) is malformed")
            }
            return try body(run)
        }
    }

    /// Events of `type` after `position`, in log order: older ones through the `types` index,
    /// the newest from the type's tail.
    func events(ofType type: String, after position: UInt64, limit: Int) throws -> [RecordedEvent] {
        var positions: [UInt64] = []
        guard limit > 0 else { return [] }
        try forEachTypeRun(type, from: position &+ 1) { run in
            for entry in run where entry > position {
                positions.append(entry)
                if positions.count == limit { return false }
            }
            return true
        }
        if positions.count < limit, let tail = try typeTail(type) {
            for tailPosition in tail.positions where tailPosition > position && positions.count < limit {
                positions.append(tailPosition)
            }
        }
        return try positions.map { position in
            guard let event = try event(at: position) else {
                throw EventStoreError.corrupt(at: position, "type index of \(type) points at a missing event")
            }
            return event
        }
    }

    /// Streams with their current versions, in id order, after `after` and starting with `prefix`.
    func streams(prefix: String, after: String?, limit: Int) throws -> [StreamSummary] {
        var streams: [StreamSummary] = []
        guard limit > 0 else { return streams }
        let prefixBytes = Array(prefix.utf8)
        var start = prefixBytes
        if let after, after.utf8.starts(with: prefixBytes) {
            start = Array(after.utf8) + [0]
        }
        try transaction.scan(tables.heads, from: start) { key, value in
            guard key.starts(with: prefixBytes) else { return false }
            streams.append(StreamSummary(streamId: String(decoding: key, as: UTF8.self), version: IndexTail(value)?.version ?? 0))
            return streams.count < limit
        }
        return streams
    }

    /// Every type with its count and last position: the type tails (the newest positions) plus the
    /// full runs in `types` (``IndexTail/typeCapacity`` positions each).
    func eventTypes() throws -> [EventTypeSummary] {
        var tails: [(String, IndexTail)] = []
        try transaction.scan(tables.typeTails, from: nil, direction: .forward) { key, value in
            let type = String(decoding: key, as: UTF8.self)
            guard let tail = IndexTail(value) else { throw EventStoreError.corrupt(at: 0, "index tail of type \(type) is malformed") }
            tails.append((type, tail))
            return true
        }
        return try tails.map { type, tail in
            var runs = 0
            let prefix = IndexKeys.prefix(type)
            try transaction.scan(tables.types, from: prefix, direction: .forward) { key, _ in
                guard IndexKeys.matches(key, prefix: prefix) else { return false }
                runs += 1
                return true
            }
            return EventTypeSummary(type: type, count: runs * IndexTail.typeCapacity + tail.positions.count, lastPosition: tail.positions.last ?? 0)
        }
    }
}
