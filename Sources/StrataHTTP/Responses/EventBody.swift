import Foundation
import StrataKit
import StrataStore

/// An event as the admin API shows it. `data` is the stored JSON with two changes: personal
/// fields stay sealed (they read as nothing once their key is destroyed), so the admin API never
/// shows personal data; and secrets' hashes (any member whose name ends in `Hash`, such as a
/// password's bcrypt hash) read as `"redacted"`.
public struct EventBody: Codable, Sendable, Hashable {
    public var position: UInt64
    public var streamId: String
    public var version: UInt64
    public var id: String
    public var type: String
    public var data: JSONValue
    public var metadata: JSONValue
    public var recordedAt: Date

    public init(_ event: RecordedEvent) {
        position = event.position
        streamId = event.streamId
        version = event.streamVersion
        id = event.id.uuidString.lowercased()
        type = event.type
        data = Self.redacted((try? JSONParser.parse(event.data)) ?? .null)
        metadata = (try? JSONParser.parse(event.metadata)) ?? .object([:])
        recordedAt = event.recordedAt
    }

    static func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (name, member) in members { result[name] = name.hasSuffix("Hash") ? .string("redacted") : redacted(member) }
            return .object(result)
        case .array(let items):
            return .array(items.map(redacted))
        default:
            return value
        }
    }
}
