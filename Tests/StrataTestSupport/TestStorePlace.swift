import Foundation
import StrataKit
import StrataLog
import StrataPostgres
import StrataStore

/// Which store the kit, shop and HTTP tests run on: `STRATA_TEST_STORE=postgres` for PostgreSQL
/// (`make test` runs those suites once on each), else LMDB.
public enum TestStoreKind: String, Sendable {
    case lmdb, postgres

    public static let current: TestStoreKind = ProcessInfo.processInfo.environment["STRATA_TEST_STORE"] == "postgres" ? .postgres : .lmdb
}

/// Where a test's store lives: a fresh temporary directory (LMDB) or a fresh database in the
/// test cluster (PostgreSQL). Open, close and reopen the store there; `remove()` deletes it all.
public struct TestStorePlace: Sendable {
    public let kind: TestStoreKind
    /// The LMDB data directory (also made for PostgreSQL, for files a test writes beside the store).
    public let path: String
    /// The database, on PostgreSQL.
    public let database: PostgresURL?
    private let databaseName: String?

    public init(_ kind: TestStoreKind = .current, label: String = "test") {
        self.kind = kind
        path = TemporaryDirectory(label).path
        guard kind == .postgres, let server = PostgresTestServer.url else {
            database = nil
            databaseName = nil
            return
        }
        let name = "strata_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        do {
            try PostgresDatabases.create(String(name), on: server)
            database = server.database(String(name))
            databaseName = String(name)
        } catch {
            database = nil
            databaseName = nil
        }
    }

    /// Opens the store for writing.
    public func open(configuration: EventLogConfiguration = EventLogConfiguration()) throws -> any EventStore {
        switch kind {
        case .lmdb:
            return try EventLog.open(directory: path, configuration: configuration)
        case .postgres:
            guard let database else { throw PostgresTestUnavailable() }
            return try PostgresEventStore.open(url: database)
        }
    }

    /// The personal-data keys beside `log` (opened here).
    public func openKeys(for log: any EventStore) throws -> any PersonalDataKeys {
        if let store = log as? PostgresEventStore { return PostgresKeyStore(store: store) }
        return try KeyStore(directory: (path as NSString).appendingPathComponent("keys"))
    }

    /// Every byte the store holds at rest: the files of the directory (LMDB), or every table's
    /// contents (PostgreSQL).
    public func storedBytes() throws -> Data {
        if let database { return Data(try PostgresDatabases.contents(of: database)) }
        var bytes = Data()
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let file = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: (path as NSString).appendingPathComponent(file)) { bytes += data }
        }
        return bytes
    }

    /// Every file the store keeps at rest, with its contents: the data directory's (LMDB), or the
    /// database's table and index files after a checkpoint (PostgreSQL: `base/<oid>` of the test
    /// cluster). PostgreSQL's write-ahead log is apart: ``writeAheadLogFiles()``.
    public func filesAtRest() throws -> [(path: String, bytes: Data)] {
        guard let database else { return try Self.files(under: path) }
        let oid = try PostgresDatabases.checkpoint(database)
        guard let data = ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_DATA"] else { throw PostgresTestUnavailable() }
        return try Self.files(under: "\(data)/base/\(oid)")
    }

    /// PostgreSQL's write-ahead log segments (none for LMDB).
    public func writeAheadLogFiles() throws -> [(path: String, bytes: Data)] {
        guard database != nil, let data = ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_DATA"] else { return [] }
        return try Self.files(under: data + "/pg_wal")
    }

    private static func files(under directory: String) throws -> [(path: String, bytes: Data)] {
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: directory) else { return [] }
        var files: [(String, Data)] = []
        while let relative = walker.nextObject() as? String {
            let file = (directory as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append((relative, try Data(contentsOf: URL(fileURLWithPath: file))))
            }
        }
        return files
    }

    /// Removes the directory and drops the database.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
        if let databaseName, let server = PostgresTestServer.url { try? PostgresDatabases.drop(databaseName, on: server) }
    }
}
