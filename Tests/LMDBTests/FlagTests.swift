import CLMDB
import LMDB
import Testing

/// Every flag constant mapped by the wrapper equals LMDB's own: wrappers have shipped with
/// environment flags pasted into database flags.
@Suite struct FlagTests {
    @Test func environmentFlagsMatchLMDB() {
        let pairs: [(EnvironmentFlags, Int32)] = [
            (.fixedMap, MDB_FIXEDMAP), (.noSubdirectory, MDB_NOSUBDIR), (.noSync, MDB_NOSYNC),
            (.readOnly, MDB_RDONLY), (.noMetaSync, MDB_NOMETASYNC), (.writeMap, MDB_WRITEMAP),
            (.mapAsync, MDB_MAPASYNC), (.noThreadLocalStorage, MDB_NOTLS), (.noLock, MDB_NOLOCK),
            (.noReadAhead, MDB_NORDAHEAD), (.noMemoryInit, MDB_NOMEMINIT),
        ]
        for (flag, constant) in pairs { #expect(flag.rawValue == UInt32(constant)) }
        #expect(Set(pairs.map(\.0.rawValue)).count == pairs.count)
    }

    @Test func databaseFlagsMatchLMDB() {
        let pairs: [(DatabaseFlags, Int32)] = [
            (.reverseKey, MDB_REVERSEKEY), (.duplicateSort, MDB_DUPSORT), (.integerKey, MDB_INTEGERKEY),
            (.duplicateFixed, MDB_DUPFIXED), (.integerDuplicate, MDB_INTEGERDUP), (.reverseDuplicate, MDB_REVERSEDUP),
            (.create, MDB_CREATE),
        ]
        for (flag, constant) in pairs { #expect(flag.rawValue == UInt32(constant)) }
        #expect(Set(pairs.map(\.0.rawValue)).count == pairs.count)
    }

    @Test func putFlagsMatchLMDB() {
        let pairs: [(PutFlags, Int32)] = [
            (.noOverwrite, MDB_NOOVERWRITE), (.noDuplicateData, MDB_NODUPDATA), (.append, MDB_APPEND),
            (.appendDuplicate, MDB_APPENDDUP),
        ]
        for (flag, constant) in pairs { #expect(flag.rawValue == UInt32(constant)) }
    }

    @Test func errorCodesMapBothWays() {
        #expect(LMDBError.mapFull.description == "map_full")
        #expect(LMDBError.system(28).errno == 28)
        #expect(LMDBError.notFound.errno == nil)
    }
}
