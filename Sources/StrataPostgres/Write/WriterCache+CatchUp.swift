import PostgresNIO
import StrataStore

/// Bringing the writer's cache up to the head it has just locked: one statement reads what every
/// commit since the cache's own wrote (`strata_changes`), with the current version of each stream
/// and the current value of each row, and the notes those commits left; the cache takes them in,
/// and a second statement reads their events.
/// Another server's commits then cost this writer two round trips per batch, not one or two per
/// stream or row it reads.
extension PostgresEventStore {
    /// Brings `cache` to the head row just locked: `current` write transactions, head `position`.
    /// Returns the notes of the commits it caught up with, or `nil` when it could not tell them.
    func catchUp(_ cache: WriterCache, to current: Int64, head position: UInt64, connection: BlockingConnection) throws -> [String]? {
        guard let known = cache.commits else {
            cache.settle(at: current, head: position)
            return nil
        }
        guard known != current else {
            cache.settle(at: current, head: position)
            return []
        }
        guard known < current, current - known <= WriterCache.catchUpLimit else {
            cache.clear()
            cache.settle(at: current, head: position)
            return nil
        }
        var binds = PostgresBindings()
        binds.append(known)
        binds.append(current)
        let rows = try connection.query(Self.changesStatement, binds)
        var streams: [(String, UInt64)] = []
        var values: [(Int32, [UInt8], [UInt8]?)] = []
        var emptied: [Int32] = []
        var notes: [String] = []
        var recorded: Int64 = 0
        for row in rows {
            let (kind, table, key, stream, value, number) = try row.decode((Int16, Int32?, ByteBuffer?, String?, ByteBuffer?, Int64?).self)
            switch kind {
            case 0: if let stream { streams.append((stream, UInt64(number ?? 0))) }
            case 1: if let table, let key { values.append((table, Array(buffer: key), value.map { Array(buffer: $0) })) }
            case 2: if let table { emptied.append(table) }
            case 3: recorded = number ?? 0
            default: if let stream { notes.append(stream) }
            }
        }
        // A commit without its record (pruned, or written by an older Strata): start over.
        guard recorded == current - known else {
            cache.clear()
            cache.settle(at: current, head: position)
            return nil
        }
        for table in emptied { cache.forget(table) }
        for (table, key, value) in values { cache.remember(table, key: key, value: value) }
        for (streamId, version) in streams { cache.remember(stream: streamId, version: version) }
        let foreign = position - min(position, cache.head)
        if foreign > 0 && foreign <= WriterCache.catchUpEvents {
            let reader = PostgresLogReader(connection: connection)
            cache.remember(events: try reader.readAll(after: cache.head, direction: .forward, limit: Int(foreign)), startingTails: true)
        }
        cache.settle(at: current, head: position)
        return notes
    }

    static let changesStatement = """
        WITH
        ch AS (SELECT commits, streams, tbls, keys, emptied, notes FROM strata_changes WHERE commits > $1 AND commits <= $2),
        s AS (SELECT DISTINCT unnest(streams) AS id FROM ch),
        k AS (SELECT DISTINCT u.tbl, u.key FROM ch, unnest(ch.tbls, ch.keys) AS u(tbl, key)),
        e AS (SELECT DISTINCT unnest(emptied) AS tbl FROM ch)
        SELECT 0::int2, NULL::int4, NULL::bytea, s.id, NULL::bytea, st.version
            FROM s LEFT JOIN strata_streams st ON st.stream_id = s.id
        UNION ALL SELECT 1::int2, k.tbl, k.key, NULL, r.value, NULL
            FROM k LEFT JOIN strata_rows r ON r.tbl = k.tbl AND r.key = k.key
        UNION ALL SELECT 2::int2, e.tbl, NULL, NULL, NULL, NULL FROM e
        UNION ALL SELECT 3::int2, NULL, NULL, NULL, NULL, count(*) FROM ch
        UNION ALL (SELECT 4::int2, NULL, NULL, n.note, NULL, NULL FROM ch, unnest(ch.notes) WITH ORDINALITY AS n(note, i) ORDER BY ch.commits, n.i)
        """
}
