import Foundation
import StrataKit
import StrataLog
import StrataStore

/// One event of an export (JSON Lines, one event per line, in position order). `data` and
/// `metadata` are embedded as JSON; `recordedAt` keeps the stored microseconds. Importing a line
/// and exporting it again gives the same line.
public struct ExportLine: Codable, Sendable, Hashable {
    public var position: UInt64
    public var streamId: String
    public var version: UInt64
    public var id: String
    public var type: String
    public var recordedAt: String
    public var metadata: JSONValue
    public var data: JSONValue

    /// The line for a recorded event.
    public init(_ event: RecordedEvent) throws {
        position = event.position
        streamId = event.streamId
        version = event.streamVersion
        id = event.id.uuidString.lowercased()
        type = event.type
        recordedAt = MicrosecondTimestamp.format(event.recordedAtMicroseconds)
        metadata = (try? JSONParser.parse(event.metadata)) ?? .object([:])
        data = try JSONParser.parse(event.data)
    }

    /// The line's text (no newline).
    public func encoded() throws -> [UInt8] {
        try KitCoding.encode(self)
    }

    /// Parses and checks a line.
    public static func parse(_ line: some DataProtocol) throws -> ExportLine {
        try KitCoding.decode(ExportLine.self, from: line)
    }

    /// The recorded event the line stands for.
    public func recorded() throws -> RecordedEvent {
        guard let uuid = UUID(uuidString: id) else { throw ToolError("id \(id) is not a UUID") }
        guard let micros = MicrosecondTimestamp.parse(recordedAt) else { throw ToolError("recordedAt \(recordedAt) is not an RFC 3339 UTC time") }
        return RecordedEvent(
            position: position,
            streamId: streamId,
            streamVersion: version,
            id: uuid,
            type: type,
            recordedAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000),
            metadata: try KitCoding.encode(metadata),
            data: try KitCoding.encode(data)
        )
    }
}

/// RFC 3339 UTC timestamps with six fractional digits, exact to the microsecond.
public enum MicrosecondTimestamp {
    public static func format(_ micros: Int64) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        let base = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return String(base.dropLast()) + "." + String(format: "%06lld", fraction) + "Z"
    }

    public static func parse(_ text: String) -> Int64? {
        guard text.hasSuffix("Z"), let dot = text.lastIndex(of: ".") else { return nil }
        let fraction = text[text.index(after: dot)..<text.index(before: text.endIndex)]
        guard fraction.count == 6, let micros = Int64(fraction),
            let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(String(text[..<dot]) + "Z")
        else { return nil }
        return Int64(date.timeIntervalSince1970) * 1_000_000 + micros
    }
}

/// A failure the tools report in one line.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
