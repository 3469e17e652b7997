import StrataStore
import Foundation

/// The binary record stored under each position in the `events` table.
///
/// Layout (integers big-endian): format version `UInt8` (1) · event id (16 bytes) · stream version
/// `UInt64` · recorded-at `Int64` microseconds since 1970 · stream id (`UInt16` length + UTF-8) ·
/// type (`UInt16` length + UTF-8) · metadata (`UInt32` length + bytes) · data (`UInt32` length +
/// bytes) · CRC-32C `UInt32` of the 8-byte position key followed by every byte before it, so a
/// record copied under the wrong position fails its check too.
enum EventRecord {
    static let formatVersion: UInt8 = 1
    static let maximumNameLength = AppendRequest.maximumNameLength

    static func encode(_ event: EventData, streamId: String, streamVersion: UInt64, position: UInt64, recordedAt: Int64) -> [UInt8] {
        let streamBytes = streamId.utf8
        let typeBytes = event.type.utf8
        var record: [UInt8] = []
        record.reserveCapacity(45 + streamBytes.count + typeBytes.count + event.metadata.count + event.data.count + 4)
        record.append(formatVersion)
        withUnsafeBytes(of: event.id.uuid) { record.append(contentsOf: $0) }
        record.appendBigEndian(streamVersion)
        record.appendBigEndian(recordedAt)
        record.appendBigEndian(UInt16(streamBytes.count))
        record.append(contentsOf: streamBytes)
        record.appendBigEndian(UInt16(typeBytes.count))
        record.append(contentsOf: typeBytes)
        record.appendBigEndian(UInt32(event.metadata.count))
        record.append(contentsOf: event.metadata)
        record.appendBigEndian(UInt32(event.data.count))
        record.append(contentsOf: event.data)
        record.appendBigEndian(checksum(position: position, body: record))
        return record
    }

    static func checksum(position: UInt64, body: some ContiguousBytes) -> UInt32 {
        var key = position.bigEndian
        let seed = withUnsafeBytes(of: &key) { CRC32C.checksum($0) }
        return body.withUnsafeBytes { CRC32C.checksum($0, continuing: seed) }
    }

    /// Decodes and checks the record at `position`. Without `verifyingChecksum` a record whose
    /// checksum fails is still parsed if its structure allows (for `verify`'s bookkeeping).
    static func decode(_ bytes: UnsafeRawBufferPointer, position: UInt64, verifyingChecksum: Bool = true) throws(EventStoreError) -> RecordedEvent {
        guard bytes.count >= 4 else { throw .corrupt(at: position, "record of \(bytes.count) bytes is too short") }
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<bytes.count - 4])
        if verifyingChecksum {
            var trailer = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - 4)...]))
            let stored = trailer.read(UInt32.self)
            guard stored == checksum(position: position, body: body) else {
                throw .corrupt(at: position, "checksum mismatch")
            }
        }
        var reader = ByteReader(body)
        guard let version = reader.read(UInt8.self) else { throw .corrupt(at: position, "empty record") }
        guard version == formatVersion else { throw .corrupt(at: position, "unknown record format \(version)") }
        guard let idBytes = reader.read(count: 16),
            let streamVersion = reader.read(UInt64.self),
            let micros = reader.read(Int64.self),
            let streamLength = reader.read(UInt16.self),
            let streamBytes = reader.read(count: Int(streamLength)),
            let typeLength = reader.read(UInt16.self),
            let typeBytes = reader.read(count: Int(typeLength)),
            let metadataLength = reader.read(UInt32.self),
            let metadata = reader.read(count: Int(metadataLength)),
            let dataLength = reader.read(UInt32.self),
            let data = reader.read(count: Int(dataLength)),
            reader.remaining == 0
        else { throw .corrupt(at: position, "malformed record") }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { $0.copyMemory(from: idBytes) }
        return RecordedEvent(
            position: position,
            streamId: String(decoding: streamBytes, as: UTF8.self),
            streamVersion: streamVersion,
            id: UUID(uuid: uuid),
            type: String(decoding: typeBytes, as: UTF8.self),
            recordedAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000),
            metadata: [UInt8](metadata),
            data: [UInt8](data)
        )
    }

    /// Microseconds since 1970 for `date`.
    static func micros(_ date: Date) -> Int64 {
        RecordedEvent.microseconds(date)
    }
}
