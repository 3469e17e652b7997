import Foundation
import PostgresNIO
import StrataStore

/// Bringing the writer's cache up to the head it locks, in the same round trip: a function reads
/// what every commit since the cache's own wrote (`strata_changes`) — the rows it wrote in the
/// tables this writer reads, with their current values, the tables it emptied, its notes — and
/// the other writers' events since, which give the streams' versions and tails.
/// Rows of the tables the writer reads are taken in even when it has not read them yet (a server
/// that starts later learns the products others sell); the tables it only writes (new orders,
/// indexes) are not cached, so what others write there is not even sent.
extension PostgresEventStore {
    /// Begins the writer's transaction, locks the head row and brings `cache` up to it, in one
    /// round trip: the function reads the changes in a snapshot taken after the lock is granted,
    /// so the next writer starts its catch-up inside PostgreSQL the moment the last one commits.
    /// Returns the head, the count of write transactions, and the notes of the commits caught up
    /// with (`nil` when it could not tell them).
    func lockHead(catchingUp cache: WriterCache, connection: BlockingConnection) throws -> (position: UInt64, commits: Int64, notes: [String]?) {
        let known = cache.commits
        var binds = PostgresBindings()
        binds.append(known ?? -1)
        binds.append(Array(cache.readTables))
        binds.append(Int64(cache.head))
        binds.append(Int64(WriterCache.catchUpEvents))
        binds.append(WriterCache.catchUpLimit)
        let rows = try connection.queries([
            ("BEGIN", PostgresBindings()), ("SELECT * FROM strata_lock_head($1, $2, $3, $4, $5)", binds),
        ])[1]
        var change = CaughtUpChanges()
        for row in rows { try change.take(row) }
        guard let (position, current) = change.head else { throw EventStoreError(.storage, "strata_head has no row") }
        guard let known, known < current else {
            if known != current { cache.clear() }
            cache.settle(at: current, head: position)
            return (position, current, known == current ? [] : nil)
        }
        // Too far behind, or a commit without its record (pruned, or written by an older Strata): start over.
        guard current - known <= WriterCache.catchUpLimit, change.recorded == current - known else {
            cache.clear()
            cache.settle(at: current, head: position)
            return (position, current, nil)
        }
        for table in change.emptied { cache.forget(table) }
        for (table, key, value) in change.rows {
            switch value {
            case .some(let value): cache.remember(table, key: key, value: value)
            case .none: cache.forget(table, key: key)
            }
        }
        if position - min(position, cache.head) <= WriterCache.catchUpEvents {
            let events = change.events.sorted { $0.position < $1.position }
            for event in events { cache.remember(stream: event.streamId, version: event.streamVersion) }
            cache.remember(events: events, startingTails: true)
        } else {
            for streamId in change.streams { cache.forget(stream: streamId) }
        }
        cache.settle(at: current, head: position)
        return (position, current, change.notes.sorted { $0.order < $1.order }.map(\.note))
    }

    /// `strata_lock_head(known, read tables, cache head, most events, most commits)`: locks the
    /// head row and returns it (kind 6: position, commits); then, when `known` is a count below it
    /// by at most `most commits`, what the commits after `known` changed, a row each by kind:
    /// 0 a stream (only when the events are too many to read); 1 a row of one of `read tables`:
    /// table, key and current value (null: deleted); 2 a table emptied; 3 how many commits
    /// are recorded; 4 a note (commit, ordinal); 5 an event after `cache head` (at most `most
    /// events` of them). The columns are an event's; other kinds borrow them. Each statement of a
    /// volatile function takes its own snapshot, so the changes read are those the lock waited for.
    static let lockHeadFunction = """
        CREATE OR REPLACE FUNCTION strata_lock_head(p_known bigint, p_tables int4[], p_head bigint, p_events bigint, p_commits bigint)
        RETURNS TABLE (c0 int2, c1 int8, c2 text, c3 int8, c4 uuid, c5 text, c6 int8, c7 bytea, c8 bytea)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            head_position bigint;
            head_commits bigint;
            reads_events boolean;
        BEGIN
            SELECT h.position, h.commits INTO head_position, head_commits FROM strata_head h WHERE h.id = 1 FOR UPDATE;
            RETURN QUERY SELECT 6::int2, head_position, NULL::text, head_commits, NULL::uuid, NULL::text, NULL::int8, NULL::bytea, NULL::bytea;
            IF p_known < 0 OR p_known >= head_commits OR head_commits - p_known > p_commits THEN
                RETURN;
            END IF;
            reads_events := head_position - least(head_position, p_head) <= p_events;
            RETURN QUERY
            WITH
            ch AS (SELECT x.commits, x.streams, x.tbls, x.keys, x.emptied, x.notes FROM strata_changes x
                WHERE x.commits > p_known AND x.commits <= head_commits),
            k AS (SELECT DISTINCT u.tbl, u.key FROM ch, unnest(ch.tbls, ch.keys) AS u(tbl, key) WHERE u.tbl = ANY(p_tables))
            SELECT 0::int2, NULL::int8, s.id, NULL::int8, NULL::uuid, NULL::text, NULL::int8, NULL::bytea, NULL::bytea
                FROM ch, unnest(ch.streams) AS s(id) WHERE NOT reads_events
            UNION ALL SELECT 1::int2, k.tbl::int8, NULL, 1::int8, NULL, NULL, NULL, k.key, r.value
                FROM k LEFT JOIN strata_rows r ON r.tbl = k.tbl AND r.key = k.key
            UNION ALL SELECT 2::int2, e.tbl::int8, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ch, unnest(ch.emptied) AS e(tbl)
            UNION ALL SELECT 3::int2, count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ch
            UNION ALL SELECT 4::int2, ch.commits, n.note, n.i, NULL, NULL, NULL, NULL, NULL
                FROM ch, unnest(ch.notes) WITH ORDINALITY AS n(note, i)
            UNION ALL (SELECT 5::int2, v.position, v.stream_id, v.stream_version, v.event_id, v.type, v.recorded_at, v.metadata, v.data
                FROM strata_events v WHERE v.position > p_head AND reads_events ORDER BY v.position
                LIMIT greatest(head_position - p_head, 0));
        END
        $$
        """
}

/// The rows of `strata_lock_head`, taken apart.
struct CaughtUpChanges {
    var streams: [String] = []
    /// Changed rows: `.some(value)` read again (`nil` inside: now absent), `.none` not read.
    var rows: [(Int32, [UInt8], [UInt8]??)] = []
    var emptied: [Int32] = []
    var recorded: Int64 = 0
    var notes: [(order: (Int64, Int64), note: String)] = []
    var events: [RecordedEvent] = []
    /// The locked head row: position, commits.
    var head: (UInt64, Int64)?

    /// Takes one row in, reading only the columns its kind uses.
    mutating func take(_ row: PostgresRow) throws {
        var kind: Int16 = -1
        var cells: [PostgresCell] = []
        cells.reserveCapacity(9)
        for cell in row {
            if cells.isEmpty { kind = try cell.decode(Int16.self) }
            cells.append(cell)
        }
        guard cells.count == 9 else { throw EventStoreError(.storage, "strata_lock_head answered \(cells.count) columns") }
        func integer(_ index: Int) throws -> Int64? { cells[index].bytes == nil ? nil : try cells[index].decode(Int64.self) }
        func text(_ index: Int) -> String? { cells[index].bytes.map { String(buffer: $0) } }
        func bytes(_ index: Int) -> [UInt8]? { cells[index].bytes.map { Array(buffer: $0) } }
        switch kind {
        case 0: if let stream = text(2) { streams.append(stream) }
        case 1:
            guard let number = try integer(1), let table = Int32(exactly: number), let key = bytes(7) else { return }
            rows.append((table, key, try integer(3) == 1 ? .some(bytes(8)) : .none))
        case 2: if let number = try integer(1), let table = Int32(exactly: number) { emptied.append(table) }
        case 3: recorded = try integer(1) ?? 0
        case 4: if let note = text(2) { notes.append(((try integer(1) ?? 0, try integer(3) ?? 0), note)) }
        case 6: if let position = try integer(1), let commits = try integer(3) { head = (UInt64(position), commits) }
        default:
            guard let streamId = text(2), let position = try integer(1), let version = try integer(3), let micros = try integer(6),
                let type = text(5), let metadata = bytes(7), let data = bytes(8)
            else { return }
            events.append(RecordedEvent(
                position: UInt64(position), streamId: streamId, streamVersion: UInt64(version), id: try cells[4].decode(UUID.self), type: type,
                recordedAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), metadata: metadata, data: data
            ))
        }
    }
}
