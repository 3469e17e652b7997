import NIOCore
import PostgresNIO
import StrataStore

/// Sends a batch's writes and commits: emptied and dropped tables first, then one statement that
/// deletes and upserts rows, inserts the events, moves the streams and types on, and updates the head
/// last (with a notification of head and commit count, delivered at commit, for the other
/// servers: every commit notifies, so a listener that heard the last one needs no read to know
/// nothing was missed), recording what it changed and noted in `strata_changes` under its count,
/// with `COMMIT` right behind it.
extension PostgresEventStore {
    /// Writes the batch and commits its transaction, the statement and `COMMIT` sent together
    /// (one round trip under the head lock). `beforeCommitting` runs just before they are sent,
    /// only when there is something to write. Returns whether anything was written (and the head
    /// row's commit count moved on to `commits`).
    @discardableResult
    func flushAndCommit(_ set: WriteSet, commits: Int64, connection: BlockingConnection, beforeCommitting: () -> Void) throws -> Bool {
        let layer = set.final
        let emptied = Array(layer.cleared.union(layer.dropped)) + set.abandonedTables
        if !emptied.isEmpty {
            var binds = PostgresBindings()
            binds.append(emptied)
            try connection.query("DELETE FROM strata_rows WHERE tbl = ANY($1)", binds)
        }
        let dropped = Array(layer.dropped) + set.abandonedTables
        if !dropped.isEmpty {
            var binds = PostgresBindings()
            binds.append(dropped)
            try connection.query("DELETE FROM strata_tables WHERE id = ANY($1)", binds)
        }
        var deleteTables: [Int32] = []
        var deleteKeys: [ByteBuffer] = []
        var putTables: [Int32] = []
        var putKeys: [ByteBuffer] = []
        var putValues: [ByteBuffer] = []
        for (table, entries) in layer.rows where !layer.dropped.contains(table) {
            for (key, value) in entries {
                if let value {
                    putTables.append(table)
                    putKeys.append(ByteBuffer(bytes: key))
                    putValues.append(ByteBuffer(bytes: value))
                } else if !layer.cleared.contains(table) {
                    deleteTables.append(table)
                    deleteKeys.append(ByteBuffer(bytes: key))
                }
            }
        }
        let events = layer.events
        guard !events.isEmpty || !putKeys.isEmpty || !deleteKeys.isEmpty || !emptied.isEmpty || !layer.created.isEmpty || !layer.notes.isEmpty
        else {
            try connection.query("COMMIT")
            return false
        }
        var types: [String: (count: Int64, last: Int64)] = [:]
        for event in events {
            let known = types[event.type] ?? (0, 0)
            types[event.type] = (known.count + 1, Int64(event.position))
        }
        var binds = PostgresBindings()
        binds.append(deleteTables)
        binds.append(deleteKeys)
        binds.append(putTables)
        binds.append(putKeys)
        binds.append(putValues)
        binds.append(events.map { Int64($0.position) })
        binds.append(events.map(\.streamId))
        binds.append(events.map { Int64($0.streamVersion) })
        binds.append(events.map(\.id))
        binds.append(events.map(\.type))
        binds.append(events.map(\.recordedAtMicroseconds))
        binds.append(events.map { ByteBuffer(bytes: $0.metadata) })
        binds.append(events.map { ByteBuffer(bytes: $0.data) })
        binds.append(Array(layer.streams.keys))
        binds.append(layer.streams.values.map { Int64($0) })
        binds.append(Array(types.keys))
        binds.append(types.values.map(\.count))
        binds.append(types.values.map(\.last))
        binds.append(Int64(set.head))
        binds.append(Int64(layer.newStreams))
        binds.append(commits)
        binds.append(emptied)
        binds.append(layer.notes)
        binds.append(Self.notification(head: set.head, commits: commits, notes: layer.notes))
        if commits % WriterCache.pruneEvery == 0 {
            var binds = PostgresBindings()
            binds.append(commits - WriterCache.retainedCommits)
            try connection.query("DELETE FROM strata_changes WHERE commits <= $1", binds)
        }
        beforeCommitting()
        _ = try connection.queries([(Self.flushStatement, binds), ("COMMIT", PostgresBindings())])
        return true
    }

    /// The notification's payload: `head commits`, then the notes a line each when they fit in
    /// PostgreSQL's 8,000 bytes and hold no line break (else the listener reads them).
    static func notification(head: UInt64, commits: Int64, notes: [String]) -> String {
        let first = "\(head) \(commits)"
        let size = notes.reduce(first.utf8.count) { $0 + 1 + $1.utf8.count }
        guard size < 7_900, !notes.contains(where: { $0.contains("\n") }) else { return first + " ?" }
        return ([first] + notes).joined(separator: "\n")
    }

    static let flushStatement = """
        WITH
        removed AS (
            DELETE FROM strata_rows r USING unnest($1::int4[], $2::bytea[]) AS d(tbl, key)
            WHERE r.tbl = d.tbl AND r.key = d.key
        ),
        written AS (
            INSERT INTO strata_rows (tbl, key, value) SELECT * FROM unnest($3::int4[], $4::bytea[], $5::bytea[])
            ON CONFLICT (tbl, key) DO UPDATE SET value = EXCLUDED.value
        ),
        appended AS (
            INSERT INTO strata_events (position, stream_id, stream_version, event_id, type, recorded_at, metadata, data)
            SELECT * FROM unnest($6::int8[], $7::text[], $8::int8[], $9::uuid[], $10::text[], $11::int8[], $12::bytea[], $13::bytea[])
        ),
        moved AS (
            INSERT INTO strata_streams (stream_id, version) SELECT * FROM unnest($14::text[], $15::int8[])
            ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version
        ),
        counted AS (
            INSERT INTO strata_types (type, count, last_position) SELECT * FROM unnest($16::text[], $17::int8[], $18::int8[])
            ON CONFLICT (type) DO UPDATE SET count = strata_types.count + EXCLUDED.count, last_position = EXCLUDED.last_position
        ),
        logged AS (
            INSERT INTO strata_changes (commits, streams, tbls, keys, emptied, notes)
            VALUES ($21, $14, $1 || $3, $2 || $4, $22, $23)
        ),
        headed AS (
            UPDATE strata_head SET position = $19, streams = streams + $20, commits = commits + 1 WHERE id = 1
        )
        SELECT pg_notify('strata_head', $24)
        """
}
