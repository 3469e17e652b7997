import StrataStore

extension ProjectionRunner {
    /// Runs `body` with a consistent read of `name`'s live tables: through `reader` when given (a
    /// write transaction sees what the inline projections just wrote in it), else a fresh snapshot.
    public func read<T>(_ name: String, in reader: (any StoreReading)? = nil, _ body: (ReadModelReader) throws -> T) throws -> T {
        guard let reader else { return try log.withSnapshot { snapshot in try read(name, in: snapshot, body) } }
        let projection = try projection(name)
        guard let checkpoint = try checkpoints.checkpoint(name, in: reader) else {
            throw ProjectionError(message: "projection \(name) was not started")
        }
        var tables: [String: Table] = [:]
        for table in projection.tables {
            let physical = ProjectionCheckpoint.tableName(projection: name, generation: checkpoint.generation, table: table)
            if let transaction = reader as? any StoreTransaction {
                tables[table.name] = try transaction.table(named: physical)
            } else if let found = try log.existingTable(named: physical) {
                tables[table.name] = found
            }
        }
        let position = projection.mode == .inline ? try reader.headPosition() : checkpoint.position
        return try body(ReadModelReader(reader: reader, tables: tables, declared: projection.tables, registry: registry, rows: rows, position: position))
    }

    /// A record of `name`'s versioned `table` as stored — its JSON — with its version and the
    /// position it was read at; `nil` when there is no row. Nothing is parsed: the version is
    /// stored ahead of the JSON (``VersionedRow``), so answers send the bytes as they are.
    public func storedJSON(
        _ name: String,
        _ table: ReadModelTable,
        key: [UInt8],
        in reader: (any StoreReading)? = nil
    ) throws -> (json: [UInt8], version: UInt64, position: UInt64)? {
        try read(name, in: reader) { reader in
            try reader.versioned(table, key: key).map { ($0.json, $0.version, reader.position) }
        }
    }

    /// Every row of `name`'s live tables, as raw bytes by table: for comparing a rebuild with the
    /// live read model.
    public func rows(of name: String) throws -> [String: [[UInt8]: [UInt8]]] {
        let projection = try projection(name)
        return try read(name) { reader in
            var rows: [String: [[UInt8]: [UInt8]]] = [:]
            for table in projection.tables {
                var entries: [[UInt8]: [UInt8]] = [:]
                try reader.scan(table) { key, value in
                    entries[Array(key)] = Array(value)
                    return true
                }
                rows[table.name] = entries
            }
            return rows
        }
    }

    /// The log position `name`'s live tables reflect.
    public func position(of name: String) throws -> UInt64 {
        try read(name) { $0.position }
    }

    /// Whether `name` is inline or async; `nil` for an unknown name.
    public func mode(of name: String) -> ProjectionMode? {
        projections[name]?.mode
    }

    /// Waits until `name` has applied `position`, at most `timeout`; returns whether it has.
    public func waitUntil(_ name: String, reaches position: UInt64, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let current = try? await log.offload({ [self] in try self.position(of: name) }), current >= position { return true }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Every projection's state.
    public func status() throws -> [ProjectionStatus] {
        let head = try log.headPosition()
        return try names.compactMap { name in
            guard let projection = projections[name] else { return nil }
            let checkpoint = try log.withSnapshot { try checkpoints.checkpoint(name, in: $0) }
            let position = projection.mode == .inline ? head : (checkpoint?.position ?? 0)
            let rebuildingNow = (checkpoint?.rebuildGeneration ?? 0) != 0
            let state: String
            if checkpoint == nil {
                state = "stopped"
            } else if rebuildingNow {
                state = "rebuilding"
            } else {
                state = position < head ? "catching_up" : "live"
            }
            return ProjectionStatus(
                name: name,
                version: projection.version,
                mode: projection.mode,
                position: position,
                lag: head - min(head, position),
                status: state,
                parked: try parkedEvents(name).count,
                rebuildPosition: rebuildingNow ? checkpoint?.rebuildPosition : nil
            )
        }
    }
}
