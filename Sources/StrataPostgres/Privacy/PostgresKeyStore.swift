import Crypto
import Dispatch
import Foundation
import NIOCore
import PostgresNIO
import StrataStore
import Synchronization

/// The personal-data keys of a PostgreSQL store: a ``KeyVault`` over its `strata_keys` table.
public typealias PostgresKeyStore = KeyVault<PostgresKeyBacking>

extension KeyVault where Backing == PostgresKeyBacking {
    /// The keys of `store`'s database (the schema has their table).
    public convenience init(store: PostgresEventStore) {
        self.init(backing: PostgresKeyBacking(store: store), label: "strata.postgres.keys")
    }
}

/// One random 256-bit key per subject in `strata_keys`, a table apart from everything else.
///
/// PostgreSQL keeps a deleted row's bytes in the table file until the space is reused, so
/// destroying a key deletes its row and then rewrites the table (`VACUUM FULL`) once no older
/// transaction can still see the row: the new file holds only the live keys and the old one is
/// emptied. A second rewrite follows half a minute later, for transactions the first could not
/// see. What copies made before the erasure still hold (WAL segments, replicas, base backups) is
/// in docs/privacy.md.
public final class PostgresKeyBacking: KeyBacking {
    private let store: PostgresEventStore
    /// Where the second rewrite waits its half minute.
    private let later = DispatchQueue(label: "strata.postgres.keys.rewrite")

    init(store: PostgresEventStore) {
        self.store = store
    }

    /// The store owns the connections.
    public func close() {}

    public func read(_ subject: String) throws -> [UInt8]? {
        try store.reads.withConnection { connection in try Self.read(subject, on: connection) }
    }

    public func insertIfAbsent(_ key: [UInt8], for subject: String) throws -> [UInt8] {
        try store.reads.withConnection { connection -> [UInt8] in
            var binds = PostgresBindings()
            binds.append(subject)
            binds.append(ByteBuffer(bytes: key))
            try connection.query("INSERT INTO strata_keys (subject, key) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING", binds)
            guard let bytes = try Self.read(subject, on: connection) else {
                throw EventStoreError(.storage, "the key of \(subject) vanished as it was created")
            }
            return bytes
        }
    }

    public func destroy(_ subject: String) throws {
        try store.reads.withConnection { connection in
            var binds = PostgresBindings()
            binds.append(subject)
            let deleted = try connection.query("DELETE FROM strata_keys WHERE subject = $1 RETURNING txid_current()", binds)
            guard let xid = try deleted.map({ try $0.decode(Int64.self) }).first else { return }
            try Self.rewrite(after: xid, on: connection)
        }
        // A transaction this role cannot see (another role's, or one that outlived the wait) may
        // have kept the deleted row alive through the rewrite: rewrite once more a little later.
        later.asyncAfter(deadline: .now() + .seconds(30)) { [store] in
            try? store.reads.withConnection { connection in
                for row in try connection.query("SELECT txid_current()") { try Self.rewrite(after: try row.decode(Int64.self), on: connection) }
            }
        }
    }

    /// Rewrites `strata_keys` once every transaction older than `xid` has ended.
    private static func rewrite(after xid: Int64, on connection: BlockingConnection) throws {
        try waitForOlderTransactions(than: xid, on: connection)
        try connection.query("VACUUM FULL strata_keys")
    }

    /// Waits (at most ten seconds) until no transaction this role can see — in any database of
    /// the cluster, as PostgreSQL's horizon may count them — began before transaction `xid` or
    /// still sees the world from before it: `VACUUM FULL` copies a deleted row that such a
    /// transaction might read, so it must run once the deleted key is dead to everyone.
    private static func waitForOlderTransactions(than xid: Int64, on connection: BlockingConnection) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        var binds = PostgresBindings()
        binds.append(xid % (1 << 32))
        while true {
            let rows = try connection.query(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE pid <> pg_backend_pid()
                  AND (backend_xmin::text::bigint <= $1 OR backend_xid::text::bigint < $1)
                """,
                binds
            )
            let older = try rows.map { try $0.decode(Int64.self) }.first ?? 0
            guard older > 0, ContinuousClock.now < deadline else { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    private static func read(_ subject: String, on connection: BlockingConnection) throws -> [UInt8]? {
        var binds = PostgresBindings()
        binds.append(subject)
        for row in try connection.query("SELECT key FROM strata_keys WHERE subject = $1", binds) {
            return PostgresLogReader.bytes(try row.decode(ByteBuffer.self))
        }
        return nil
    }
}
