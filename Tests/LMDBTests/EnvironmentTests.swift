import Foundation
import LMDB
import StrataTestSupport
import Testing

@Suite struct EnvironmentTests {
    private func withEnvironment(
        _ configuration: EnvironmentConfiguration = EnvironmentConfiguration(),
        _ body: (Environment, TemporaryDirectory) throws -> Void
    ) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let environment = try Environment(path: directory.path, configuration: configuration)
        defer { environment.close() }
        try body(environment, directory)
    }

    @Test func putGetDeleteInScopedTransactions() throws {
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "things")
            try environment.withWriteTransaction { transaction throws in
                try transaction.put(database, key: Array("a".utf8), value: Array("1".utf8))
                try transaction.put(database, key: Array("b".utf8), value: Array("2".utf8))
                #expect(try transaction.get(database, key: Array("a".utf8)) == Array("1".utf8))
            }
            try environment.withReadTransaction { transaction throws in
                #expect(try transaction.get(database, key: Array("b".utf8)) == Array("2".utf8))
                #expect(try transaction.get(database, key: Array("c".utf8)) == nil)
                #expect(try transaction.statistics(database).entries == 2)
            }
            try environment.withWriteTransaction { transaction throws in
                #expect(try transaction.delete(database, key: Array("a".utf8)))
                #expect(try !transaction.delete(database, key: Array("a".utf8)))
            }
            #expect(try environment.withReadTransaction { try $0.contains(database, key: Array("a".utf8)) } == false)
        }
    }

    /// LMDB commits a write transaction that changed nothing without writing (or syncing) a thing:
    /// the group commit must know, since such a commit flushes no meta page left unsynced.
    @Test func aWriteTransactionThatChangedNothingMakesNoNewState() throws {
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "things")
            let wrote = try environment.withWriteTransaction { transaction throws in
                try transaction.put(database, key: Array("a".utf8), value: Array("1".utf8))
                return transaction.id
            }
            #expect(environment.madeNewState(transaction: wrote))
            let readOnly = try environment.withWriteTransaction { transaction throws in
                _ = try transaction.get(database, key: Array("a".utf8))
                return transaction.id
            }
            #expect(!environment.madeNewState(transaction: readOnly))
            let next = try environment.withWriteTransaction { transaction throws in
                _ = try transaction.delete(database, key: Array("a".utf8))
                return transaction.id
            }
            #expect(next == readOnly && environment.madeNewState(transaction: next))
        }
    }

    @Test func thrownErrorAbortsTheWriteTransaction() throws {
        struct Boom: Error {}
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "things")
            #expect(throws: Boom.self) {
                try environment.withWriteTransaction { transaction throws in
                    try transaction.put(database, key: [1], value: [1])
                    throw Boom()
                }
            }
            #expect(try environment.withReadTransaction { try $0.get(database, key: [1]) } == nil)
        }
    }

    @Test func transactionUsedOutsideItsClosureIsClosed() throws {
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "things")
            let escaped = try environment.withReadTransaction { $0 }
            #expect(throws: LMDBError.transactionClosed) { try escaped.get(database, key: [1]) }
        }
    }

    @Test func noOverwriteReportsKeyExists() throws {
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "things")
            try environment.withWriteTransaction { transaction throws in
                try transaction.put(database, key: [1], value: [1])
                #expect(throws: LMDBError.keyExists) { try transaction.put(database, key: [1], value: [2], flags: .noOverwrite) }
            }
        }
    }

    @Test func appendRejectsKeysOutOfOrder() throws {
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "log")
            #expect(throws: LMDBError.keyExists) {
                try environment.withWriteTransaction { transaction throws in
                    try transaction.put(database, key: [0, 2], value: [1], flags: .append)
                    try transaction.put(database, key: [0, 1], value: [1], flags: .append)
                }
            }
        }
    }

    @Test func nestedTransactionRollsBackAloneOnError() throws {
        struct Boom: Error {}
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "things")
            try environment.withWriteTransaction { transaction throws in
                try transaction.put(database, key: [1], value: [1])
                _ = try? transaction.withNestedTransaction { child in
                    try child.put(database, key: [2], value: [2])
                    throw Boom()
                }
                try transaction.withNestedTransaction { child in try child.put(database, key: [3], value: [3]) }
            }
            try environment.withReadTransaction { transaction throws in
                #expect(try transaction.get(database, key: [1]) == [1])
                #expect(try transaction.get(database, key: [2]) == nil)
                #expect(try transaction.get(database, key: [3]) == [3])
            }
        }
    }

    @Test func cursorsWalkForwardAndBackwardFromAKey() throws {
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "numbers")
            try environment.withWriteTransaction { transaction throws in
                for number: UInt8 in [10, 20, 30, 40] { try transaction.put(database, key: [number], value: [number]) }
            }
            try environment.withReadTransaction { transaction throws in
                func keys(from start: [UInt8]?, _ direction: ScanDirection) throws -> [UInt8] {
                    var keys: [UInt8] = []
                    try transaction.scan(database, from: start, direction: direction) { key, _ in
                        keys.append(key[0])
                        return true
                    }
                    return keys
                }
                #expect(try keys(from: nil, .forward) == [10, 20, 30, 40])
                #expect(try keys(from: nil, .backward) == [40, 30, 20, 10])
                #expect(try keys(from: [25], .forward) == [30, 40])
                #expect(try keys(from: [25], .backward) == [20, 10])
                #expect(try keys(from: [30], .backward) == [30, 20, 10])
                #expect(try keys(from: [50], .backward) == [40, 30, 20, 10])
                #expect(try keys(from: [50], .forward) == [])
                #expect(try keys(from: [5], .backward) == [])
                let cursor = try transaction.cursor(database)
                #expect(try cursor.last())
                #expect(cursor.current.key == [40])
                #expect(try cursor.previous())
                #expect(cursor.current.value == [30])
                cursor.close()
            }
        }
    }

    @Test func tinyMapGrowsTransparently() throws {
        try withEnvironment(EnvironmentConfiguration(mapSize: 64 << 10, maximumMapSize: 1 << 30)) { environment, _ in
            let database = try environment.openDatabase(named: "big")
            let value = [UInt8](repeating: 7, count: 4096)
            for batch in 0..<20 {
                try environment.withWriteTransaction { transaction throws in
                    for item in 0..<50 {
                        var key: [UInt8] = []
                        withUnsafeBytes(of: UInt32(batch * 50 + item).bigEndian) { key.append(contentsOf: $0) }
                        try transaction.put(database, key: key, value: value)
                    }
                }
            }
            #expect(try environment.withReadTransaction { try $0.statistics(database).entries } == 1000)
            #expect(try environment.info().mapSize > 64 << 10)
        }
    }

    @Test func mapFullPastTheMaximumIsAnError() throws {
        try withEnvironment(EnvironmentConfiguration(mapSize: 64 << 10, maximumMapSize: 256 << 10)) { environment, _ in
            let database = try environment.openDatabase(named: "big")
            #expect(throws: LMDBError.mapFull) {
                try environment.withWriteTransaction { transaction throws in
                    for item in 0..<200 {
                        try transaction.put(database, key: [UInt8(item / 256), UInt8(item % 256)], value: [UInt8](repeating: 1, count: 4096))
                    }
                }
            }
            // Still usable for reads and for writes that fit.
            try environment.withWriteTransaction { try $0.put(database, key: [9], value: [9]) }
            #expect(try environment.withReadTransaction { try $0.get(database, key: [9]) } == [9])
        }
    }

    @Test func secondOpenOfTheSamePathIsRefused() throws {
        try withEnvironment { _, directory in
            #expect(throws: LMDBError.alreadyOpen) { _ = try Environment(path: directory.path) }
        }
    }

    @Test func readOnlyEnvironmentRefusesWrites() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let environment = try Environment(path: directory.path)
            let database = try environment.openDatabase(named: "things")
            try environment.withWriteTransaction { try $0.put(database, key: [1], value: [2]) }
            environment.close()
        }
        let reader = try Environment(path: directory.path, configuration: EnvironmentConfiguration(flags: [.readOnly, .noThreadLocalStorage]))
        defer { reader.close() }
        let database = try reader.openDatabase(named: "things")
        #expect(try reader.withReadTransaction { try $0.get(database, key: [1]) } == [2])
        #expect(throws: LMDBError.readOnly) { try reader.withWriteTransaction { _ in } }
        #expect(throws: LMDBError.notFound) { _ = try reader.openDatabase(named: "missing") }
        #expect(try reader.databaseNames() == ["things"])
    }

    @Test func droppedDatabaseCanBeCreatedAgain() throws {
        try withEnvironment { environment, _ in
            let database = try environment.openDatabase(named: "temp")
            try environment.withWriteTransaction { try $0.put(database, key: [1], value: [1]) }
            try environment.withWriteTransaction { try $0.drop(database) }
            #expect(try environment.databaseNames() == [])
            let again = try environment.openDatabase(named: "temp")
            #expect(try environment.withReadTransaction { try $0.statistics(again).entries } == 0)
        }
    }

    @Test func compactCopyIsReadable() throws {
        try withEnvironment { environment, directory in
            let database = try environment.openDatabase(named: "things")
            try environment.withWriteTransaction { try $0.put(database, key: [1], value: [42]) }
            let copy = TemporaryDirectory("copy")
            defer { copy.remove() }
            try environment.copy(to: copy.path, compact: true)
            let copied = try Environment(path: copy.path)
            defer { copied.close() }
            let table = try copied.openDatabase(named: "things")
            #expect(try copied.withReadTransaction { try $0.get(table, key: [1]) } == [42])
        }
    }
}
