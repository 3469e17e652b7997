import StrataKit
import StrataStore

extension ShopService {
    /// A row of `projection`'s `table` as stored — a record's JSON with sorted keys, whose last
    /// member is its `version` — with that version and the position it was read at; `nil` when
    /// there is no row. The version is found from the row's end (``JSONParser/trailingInteger(_:in:)``)
    /// and the row parsed only when that declines.
    func storedJSON(
        _ projection: String,
        _ table: ReadModelTable,
        key: [UInt8],
        of what: @autoclosure () -> String,
        in reader: (any StoreReading)?
    ) throws -> (json: [UInt8], version: UInt64, position: UInt64)? {
        try runner.read(projection, in: reader) { reader in
            guard let json = try reader.get(table, key: key) else { return nil }
            if let version = JSONParser.trailingInteger("version", in: json), let exact = UInt64(exactly: version) {
                return (json, exact, reader.position)
            }
            guard case .integer(let version)? = try JSONParser.parse(json)["version"], let exact = UInt64(exactly: version) else {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: "the row of \(what()) has no version"))
            }
            return (json, exact, reader.position)
        }
    }
}
