import StrataStore

/// A read-model record that carries the version of what it describes (a product, an order): the
/// `ETag` and `Strata-Version` of its answers.
public protocol VersionedRecord: Encodable, Sendable {
    /// The record's version: its stream's version when the record last changed, and its ETag.
    var version: UInt64 { get }
}

/// The stored form of a row of a table that ``ReadModelTable/holdsVersions``: the record's
/// version, 8 bytes big-endian, then its JSON. A command's answer and a GET both send the JSON as
/// stored with that version, and nothing scans or parses the JSON to find it.
public enum VersionedRow {
    /// The bytes ahead of the JSON.
    public static let headerSize = 8

    /// The row that stores `json` at `version`.
    public static func stored(json: [UInt8], version: UInt64) -> [UInt8] {
        var row = [UInt8]()
        row.reserveCapacity(headerSize + json.count)
        appendHeader(version, to: &row)
        row.append(contentsOf: json)
        return row
    }

    /// Starts a row at `version`: its JSON is appended after this.
    static func appendHeader(_ version: UInt64, to row: inout [UInt8]) {
        withUnsafeBytes(of: version.bigEndian) { row.append(contentsOf: $0) }
    }

    /// The version and the JSON of a stored row.
    public static func split(_ row: [UInt8]) throws -> (json: [UInt8], version: UInt64) {
        try row.withUnsafeBytes { bytes in
            let (json, version) = try split(bytes)
            return (Array(json), version)
        }
    }

    /// The version and the JSON of a stored row, in place.
    public static func split(_ row: UnsafeRawBufferPointer) throws -> (json: UnsafeRawBufferPointer, version: UInt64) {
        guard row.count > headerSize else {
            throw ProjectionError(message: "a versioned read-model row of \(row.count) bytes has no JSON after its version")
        }
        var version: UInt64 = 0
        for byte in row[0..<headerSize] { version = version << 8 | UInt64(byte) }
        return (UnsafeRawBufferPointer(rebasing: row[headerSize...]), version)
    }

    /// The JSON of `row` as `table` stores it: the row itself, or what follows its version.
    static func json(_ row: [UInt8], in table: ReadModelTable) throws -> [UInt8] {
        table.holdsVersions ? try split(row).json : row
    }
}
