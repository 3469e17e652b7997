import StrataStore

/// Reads inside the writer's transaction: the database as committed, then this batch's writes.
/// The batch's events all come after the database's (the head lock is held), so log reads are
/// the database's part followed by the write set's.
extension PostgresTransaction {
    func headPosition() throws -> UInt64 { set.head }

    func event(at position: UInt64) throws -> RecordedEvent? {
        guard position > set.base else { return try reader.event(at: position) }
        let events = set.events
        let index = Int(position - set.base - 1)
        return index < events.count ? events[index] : nil
    }

    func events(at positions: [UInt64]) throws -> [RecordedEvent] {
        // This batch's own come from the write set (no round trip), after the database's.
        let mine = try positions.filter { $0 > set.base }.sorted().compactMap { try event(at: $0) }
        return try reader.events(at: positions.filter { $0 <= set.base }) + mine
    }

    func forEachEvent(after position: UInt64, _ body: (RecordedEvent) throws -> Bool) throws {
        // The database holds nothing past the base while the head lock is held.
        if position < set.base { guard try reader.forEachEvent(after: position, body) else { return } }
        for event in set.events where event.position > position {
            guard try body(event) else { return }
        }
    }

    func readAll(after position: UInt64, direction: ScanDirection, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        let mine = set.events
        switch direction {
        case .forward:
            var found = position < set.base ? try reader.readAll(after: position, direction: .forward, limit: limit) : []
            found += mine.lazy.filter { $0.position > position }.prefix(limit - found.count)
            return found
        case .backward:
            let before = position == 0 ? UInt64.max : position
            var found = Array(mine.reversed().lazy.filter { $0.position < before }.prefix(limit))
            if found.count < limit {
                found += try reader.readAll(after: min(before, set.base + 1), direction: .backward, limit: limit - found.count)
            }
            return found
        }
    }

    func readStream(_ streamId: String, from version: UInt64?, direction: ScanDirection, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        let mine = set.events.filter { $0.streamId == streamId }
        switch direction {
        case .forward:
            let start = version ?? 1
            // Nothing committed at or after `start`: only this batch's events, no round trip.
            let committed = cache.streamVersion(streamId)
            var found: [RecordedEvent]
            if committed.map({ $0 < start }) == true {
                found = []
            } else if let tail = cache.events(streamId, from: start) {
                found = Array(tail.prefix(limit))
            } else {
                found = try reader.readStream(streamId, from: start, direction: .forward, limit: limit)
            }
            found += mine.lazy.filter { $0.streamVersion >= start }.prefix(limit - found.count)
            return found
        case .backward:
            let start = version ?? .max
            var found = Array(mine.reversed().lazy.filter { $0.streamVersion <= start }.prefix(limit))
            if found.count < limit {
                let below = mine.first.map { min(start, $0.streamVersion - 1) } ?? start
                if below > 0 { found += try reader.readStream(streamId, from: below, direction: .backward, limit: limit - found.count) }
            }
            return found
        }
    }

    func readStream(_ streamId: String, from version: UInt64, limit: Int) throws -> [RecordedEvent] {
        try readStream(streamId, from: version, direction: .forward, limit: limit)
    }

    func readByType(_ type: String, after position: UInt64, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        var found = position < set.base ? try reader.readByType(type, after: position, limit: limit) : []
        found += set.events.lazy.filter { $0.type == type && $0.position > position }.prefix(limit - found.count)
        return found
    }

    func streamVersion(_ streamId: String) throws -> UInt64 {
        if let version = set.streamVersion(streamId) { return version }
        return try committedVersion(streamId)
    }

    /// The stream's committed version: from the writer's cache, else the database (remembered).
    private func committedVersion(_ streamId: String) throws -> UInt64 {
        if let version = cache.streamVersion(streamId) { return version }
        let version = try reader.streamVersion(streamId)
        cache.remember(stream: streamId, version: version)
        return version
    }

    func streams(prefix: String, after: String?, limit: Int) throws -> [StreamSummary] {
        guard limit > 0 else { return [] }
        var merged: [String: UInt64] = [:]
        for summary in try reader.streams(prefix: prefix, after: after, limit: limit) { merged[summary.streamId] = summary.version }
        for layer in set.layers {
            for (id, version) in layer.streams where id.hasPrefix(prefix) && (after.map { $0.utf8.lexicographicallyPrecedes(id.utf8) } ?? true) {
                merged[id] = version
            }
        }
        return merged.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.prefix(limit).map { StreamSummary(streamId: $0.key, version: $0.value) }
    }

    func eventTypes() throws -> [EventTypeSummary] {
        var types: [String: EventTypeSummary] = [:]
        for summary in try reader.eventTypes() { types[summary.type] = summary }
        for event in set.events {
            var summary = types[event.type] ?? EventTypeSummary(type: event.type, count: 0, lastPosition: 0)
            summary.count += 1
            summary.lastPosition = event.position
            types[event.type] = summary
        }
        return types.values.sorted { $0.type.utf8.lexicographicallyPrecedes($1.type.utf8) }
    }

    // MARK: Tables

    func get(_ table: Table, key: [UInt8]) throws -> [UInt8]? {
        let id = table.rowsId
        switch set.row(id, key: key) {
        case .value(let value): return value
        case .deleted: return nil
        case .unknown:
            cache.noteRead(id)
            if let known = cache.row(id, key: key) { return known }
            let value = try reader.get(id, key: key)
            cache.remember(id, key: key, value: value)
            return value
        }
    }

    func scan(
        _ table: Table,
        from start: [UInt8]?,
        direction: ScanDirection,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let id = table.rowsId
        let (entries, hidesDatabase) = set.rows(of: id)
        let pending = MergedScan.ordered(entries.map { (key: $0.key, value: $0.value) }, from: start, direction: direction)
        try MergedScan.run(pending: pending, direction: direction, stored: { emit in
            guard !hidesDatabase else { return }
            var cursor = start
            var inclusive = true
            while true {
                let page = try reader.page(id, from: cursor, inclusive: inclusive, direction: direction, limit: 256)
                for row in page {
                    let goOn = try row.key.withUnsafeBytes { key in try row.value.withUnsafeBytes { value in try emit(key, value) } }
                    guard goOn else { return }
                }
                guard let last = page.last else { return }
                (cursor, inclusive) = (last.key, false)
            }
        }, body)
    }

    func count(_ table: Table) throws -> Int {
        let id = table.rowsId
        let (entries, hidesDatabase) = set.rows(of: id)
        let puts = entries.filter { $0.value != nil }.count
        if hidesDatabase { return puts }
        let present = try reader.present(id, keys: Array(entries.keys))
        let added = entries.filter { $0.value != nil && !present.contains($0.key) }.count
        let removed = entries.filter { $0.value == nil && present.contains($0.key) }.count
        return try reader.count(id) + added - removed
    }
}
