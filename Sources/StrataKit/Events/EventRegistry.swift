import Foundation
import StrataStore

/// Why registering or decoding an event failed.
public struct EventRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Knows every event type by wire name, and the upcasters that turn old wire shapes into current
/// ones. Built once at start-up, then shared read-only.
public struct EventRegistry: Sendable {
    private var decoders: [String: @Sendable ([UInt8], JSONByteDecoder) throws -> any Event] = [:]
    private var upcasters: [String: Upcaster] = [:]
    private var userInfo: [CodingUserInfoKey: any Sendable] = [:]
    private var coders = Coders(userInfo: [:])

    /// The encoder and decoder with this registry's coding info.
    private struct Coders: Sendable {
        let encoder: JSONByteEncoder
        let decoder: JSONByteDecoder
        init(userInfo: [CodingUserInfoKey: any Sendable]) {
            encoder = JSONByteEncoder(userInfo: userInfo)
            decoder = JSONByteDecoder(userInfo: userInfo)
        }
    }

    private struct Upcaster: Sendable {
        var target: String
        var transform: @Sendable (inout JSONValue) throws -> Void
    }

    /// An empty registry: register every event type before decoding.
    public init() {}

    /// Registers `type` under its wire name.
    ///
    /// - Throws: when that wire name is taken (by a type or an upcaster).
    public mutating func register<E: Event>(_ type: E.Type) throws {
        let name = E.eventType
        guard decoders[name] == nil, upcasters[name] == nil else {
            throw EventRegistryError(message: "event type \(name) is registered twice")
        }
        decoders[name] = { bytes, decoder in try decoder.decode(E.self, from: bytes) }
    }

    /// Registers a transformation from the stored wire shape `oldType` to `newType`. Chains are
    /// followed (v1 → v2 → v3) until a registered type is reached.
    public mutating func upcast(from oldType: String, to newType: String, _ transform: @escaping @Sendable (inout JSONValue) throws -> Void) throws {
        guard decoders[oldType] == nil, upcasters[oldType] == nil else {
            throw EventRegistryError(message: "event type \(oldType) is registered twice")
        }
        upcasters[oldType] = Upcaster(target: newType, transform: transform)
    }

    /// A stable hash of the upcasters registered (each old wire type and the type it becomes):
    /// stored with aggregate snapshots, so that adding or retargeting an upcaster — which may
    /// change what old events fold into — makes the snapshots stored before it ignored.
    public var upcastFingerprint: UInt64 {
        StableHash.fnv1a(upcasters.map { "\($0.key)\u{1}\($0.value.target)" }.sorted().joined(separator: "\n"))
    }

    /// Values the personal-data cipher and other codecs find in `encoder.userInfo`.
    public mutating func setCodingInfo(_ value: any Sendable, forKey key: CodingUserInfoKey) {
        userInfo[key] = value
        coders = Coders(userInfo: userInfo)
    }

    /// Whether events of wire type `type` can be decoded (directly or through upcasters).
    public func handles(_ type: String) -> Bool { currentType(of: type) != nil }

    /// The current wire type that stored events of `type` become.
    public func currentType(of type: String) -> String? {
        var name = type
        for _ in 0..<16 {
            if decoders[name] != nil { return name }
            guard let upcaster = upcasters[name] else { return nil }
            name = upcaster.target
        }
        return nil
    }

    /// Decodes a stored event, upcasting old shapes first.
    public func decode(_ recorded: RecordedEvent) throws -> Envelope {
        let (type, event) = try decodedEvent(recorded)
        return Envelope(
            position: recorded.position,
            streamId: recorded.streamId,
            streamVersion: recorded.streamVersion,
            eventId: recorded.id,
            type: type,
            recordedAt: recorded.recordedAt,
            metadata: try metadata(of: recorded),
            event: event
        )
    }

    /// A stored event's data alone, upcast and decoded: what an aggregate folds, which needs
    /// no metadata (reading it was a third of folding an event another server appended).
    public func event(of recorded: RecordedEvent) throws -> any Event {
        try decodedEvent(recorded).event
    }

    /// The event's current type and value: its data upcast step by step, then decoded.
    private func decodedEvent(_ recorded: RecordedEvent) throws -> (type: String, event: any Event) {
        let decoder = coders.decoder
        var type = recorded.type
        var bytes = recorded.data
        var steps = 0
        while decoders[type] == nil {
            guard let upcaster = upcasters[type], steps < 16 else {
                throw EventRegistryError(message: "unknown event type \(recorded.type) at position \(recorded.position)")
            }
            var document = try JSONParser.parse(bytes)
            try upcaster.transform(&document)
            bytes = try KitCoding.encode(document)
            type = upcaster.target
            steps += 1
        }
        guard let decode = decoders[type] else { throw EventRegistryError(message: "unknown event type \(type)") }
        return (type, try decode(bytes, decoder))
    }

    /// A stored event's metadata alone.
    public func metadata(of recorded: RecordedEvent) throws -> EventMetadata {
        do {
            return try EventMetadata(jsonBytes: recorded.metadata)
        } catch {
            throw EventRegistryError(message: "the metadata of the event at position \(recorded.position) is not valid: \(error)")
        }
    }

    /// Encodes an event for appending.
    public func encode(_ event: any Event, metadata: EventMetadata, id: UUID = UUIDv7.make()) throws -> EventData {
        try encode(event, metadataBytes: metadata.jsonBytes, id: id)
    }

    /// Encodes an event for appending with its metadata already written as `metadataBytes`: the
    /// events of one command share them.
    public func encode(_ event: any Event, metadataBytes: [UInt8], id: UUID = UUIDv7.make()) throws -> EventData {
        let type = Swift.type(of: event).eventType
        guard decoders[type] != nil else { throw EventRegistryError(message: "event type \(type) is not registered") }
        return EventData(id: id, type: type, data: try coders.encoder.encode(event), metadata: metadataBytes)
    }

    /// The encoder with this registry's coding info (for read-model rows with personal fields).
    public func makeEncoder() -> JSONByteEncoder { coders.encoder }

    /// The decoder with this registry's coding info.
    public func makeDecoder() -> JSONByteDecoder { coders.decoder }
}
