import StrataStore
import Foundation
import LMDB

/// The `meta` table: store format version, store id and creation time, written when a store is
/// created and checked on every open.
enum StoreMetadata {
    static let formatKey = Array("format".utf8)
    static let storeIDKey = Array("storeId".utf8)
    static let createdAtKey = Array("createdAt".utf8)

    static func prepare(environment: Environment, meta: Database) throws {
        try environment.withWriteTransaction { transaction in
            if let format = try transaction.get(meta, key: formatKey) {
                try checkFormat(format)
                return
            }
            var format: [UInt8] = []
            format.appendBigEndian(EventLog.storeFormatVersion)
            try transaction.put(meta, key: formatKey, value: format)
            try transaction.put(meta, key: storeIDKey, value: Array(UUID().uuidString.lowercased().utf8))
            try transaction.put(meta, key: createdAtKey, value: Array(ISO8601DateFormatter().string(from: Date()).utf8))
        }
    }

    static func check(environment: Environment, meta: Database) throws {
        try environment.withReadTransaction { transaction in
            if let format = try transaction.get(meta, key: formatKey) { try checkFormat(format) }
        }
    }

    private static func checkFormat(_ bytes: [UInt8]) throws {
        let version = bytes.withUnsafeBytes { raw -> UInt32? in
            var reader = ByteReader(raw)
            return raw.count == 4 ? reader.read(UInt32.self) : nil
        }
        guard let version, version <= EventLog.storeFormatVersion else {
            throw EventStoreError(.incompatibleFormat, "the store format is newer than this Strata understands (\(EventLog.storeFormatVersion))")
        }
    }
}
