import PostgresNIO
import StrataStore

/// The store's tables in PostgreSQL, created and migrated by whichever process opens the store
/// first. Each migration runs once, in order, in one transaction under an advisory lock, so two
/// servers starting at the same moment apply it once between them; a database migrated by a
/// newer Strata is refused rather than misread.
///
/// - `strata_head`: one row, the last position, the number of streams and of write transactions.
///   Every write transaction locks it first and updates it last, so commits are ordered by it and
///   positions are handed out gapless in commit order.
/// - `strata_events`: the log; `strata_streams`: each stream's version; `strata_types`: each
///   type's count and last position.
/// - `strata_tables` and `strata_rows`: the key/value tables of the layers above (read models,
///   checkpoints, idempotency records, parked events, metadata), keys sorting bytewise.
/// - `strata_keys`: the personal-data keys, apart from everything else so an erasure can rewrite it.
/// - `strata_leases`: which server applies each async projection, until when.
/// - `strata_changes`: for each recent write transaction (by its `commits` count), the streams,
///   rows and emptied tables it wrote and the notes it left; kept for the last
///   ``WriterCache/retainedCommits``.
/// - `strata_lock_head(…)`: locks the head row and returns it with what the commits since the
///   caller's last one changed (``PostgresEventStore/lockHeadFunction``).
enum Schema {
    /// The schema version this code writes and reads.
    static let version = migrations.count

    /// The advisory lock key that serialises migrations ("strata-schema").
    static let migrationLock: Int64 = 0x5354_5241_5441_0001
    /// The advisory lock servers hold shared and offline tools exclusively ("strata-online").
    static let onlineLock: Int64 = 0x5354_5241_5441_0002

    static let migrations: [[String]] = [
        [
            "CREATE TABLE strata_head (id int PRIMARY KEY CHECK (id = 1), position bigint NOT NULL, streams bigint NOT NULL)",
            "INSERT INTO strata_head (id, position, streams) VALUES (1, 0, 0)",
            """
            CREATE TABLE strata_events (
                position bigint PRIMARY KEY,
                stream_id text COLLATE "C" NOT NULL,
                stream_version bigint NOT NULL,
                event_id uuid NOT NULL,
                type text COLLATE "C" NOT NULL,
                recorded_at bigint NOT NULL,
                metadata bytea NOT NULL,
                data bytea NOT NULL,
                UNIQUE (stream_id, stream_version)
            )
            """,
            "CREATE INDEX strata_events_by_type ON strata_events (type, position)",
            #"CREATE TABLE strata_streams (stream_id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL)"#,
            #"CREATE TABLE strata_types (type text COLLATE "C" PRIMARY KEY, count bigint NOT NULL, last_position bigint NOT NULL)"#,
            #"CREATE TABLE strata_tables (id serial PRIMARY KEY, name text COLLATE "C" NOT NULL UNIQUE)"#,
            "CREATE TABLE strata_rows (tbl int NOT NULL, key bytea NOT NULL, value bytea NOT NULL, PRIMARY KEY (tbl, key))",
            "CREATE TABLE strata_keys (subject text PRIMARY KEY, key bytea NOT NULL)",
            "CREATE TABLE strata_leases (name text PRIMARY KEY, owner text NOT NULL, token bigint NOT NULL, expires_at timestamptz NOT NULL)",
        ],
        // Every write transaction counts itself, so a writer can tell whether anyone else committed.
        ["ALTER TABLE strata_head ADD COLUMN commits bigint NOT NULL DEFAULT 0"],
        // What each write transaction changed, so another server's writer can catch its cache up.
        [
            """
            CREATE TABLE strata_changes (
                commits bigint PRIMARY KEY,
                streams text[] NOT NULL,
                tbls int4[] NOT NULL,
                keys bytea[] NOT NULL,
                emptied int4[] NOT NULL,
                notes text[] NOT NULL
            )
            """,
        ],
        // The writer's first round trip: lock the head, then read what others committed since.
        [PostgresEventStore.lockHeadFunction],
        // The same function, now sending only the rows of the tables the writer reads (the only
        // ones it caches). Replaced in place: what migration 4 created is this function's older body.
        [PostgresEventStore.lockHeadFunction],
    ]

    /// Brings the database to ``version``.
    ///
    /// - Throws: ``EventStoreError/Code/incompatibleFormat`` when a newer Strata migrated it.
    static func migrate(_ connection: BlockingConnection) throws {
        try connection.query("BEGIN")
        do {
            try connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try connection.query("CREATE TABLE IF NOT EXISTS strata_schema (version int NOT NULL)")
            let rows = try connection.query("SELECT version FROM strata_schema")
            var current = 0
            for row in rows { current = try row.decode(Int.self) }
            if rows.rows.isEmpty { try connection.query("INSERT INTO strata_schema (version) VALUES (0)") }
            guard current <= version else {
                throw EventStoreError(.incompatibleFormat, "the database has schema version \(current); this Strata reads up to \(version)")
            }
            for statements in migrations.dropFirst(current) {
                for statement in statements { try connection.query(statement) }
            }
            if current < version {
                var binds = PostgresBindings()
                binds.append(version)
                try connection.query("UPDATE strata_schema SET version = $1", binds)
            }
            try connection.query("COMMIT")
        } catch {
            connection.send("ROLLBACK")
            throw error
        }
    }
}
