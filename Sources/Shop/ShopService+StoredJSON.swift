import StrataKit
import StrataStore

extension ShopService {
    /// A record of `projection`'s versioned `table` as stored — its JSON with sorted keys — with
    /// its version and the position it was read at; `nil` when there is no row. Nothing is parsed:
    /// the version is stored ahead of the JSON (``VersionedRow``).
    func storedJSON(
        _ projection: String,
        _ table: ReadModelTable,
        key: [UInt8],
        in reader: (any StoreReading)?
    ) throws -> (json: [UInt8], version: UInt64, position: UInt64)? {
        try runner.read(projection, in: reader) { reader in
            try reader.versioned(table, key: key).map { ($0.json, $0.version, reader.position) }
        }
    }
}
