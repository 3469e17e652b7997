internal import CStrataSupport
import Foundation
import Synchronization

/// Time-ordered UUIDs (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits.
/// Ids made later sort later, which keeps B-tree inserts keyed by them near the end.
///
/// Foundation's `UUID()` opens `/dev/urandom` for every id on Linux, and the standard generator
/// makes a `getrandom` call for every 8 bytes; on a write-heavy benchmark each showed up as a
/// tenth of the CPU time. This draws from a pool refilled from the system generator 4 KiB at a time.
public enum UUIDv7 {
    /// A new version 7 UUID for the current time.
    public static func make(at date: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            RandomPool.shared.fill(UnsafeMutableRawBufferPointer(rebasing: bytes[6...]))
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(index))) }
            bytes[6] = (bytes[6] & 0x0f) | 0x70  // version 7
            bytes[8] = (bytes[8] & 0x3f) | 0x80  // RFC 9562 variant
        }
        return UUID(uuid: uuid)
    }

    /// A new UUIDv7 as lower-case text (`8-4-4-4-12` hex digits), formatted without Foundation's
    /// `uuidString` and `lowercased()` (ids are made on every request).
    public static func makeString(at date: Date = Date()) -> String {
        lowercasedString(make(at: date))
    }

    /// `uuid` as lower-case text.
    public static func lowercasedString(_ uuid: UUID) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: uuid.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var index = 0
                for (offset, byte) in bytes.enumerated() {
                    if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = digits[Int(byte >> 4)]
                    buffer[index + 1] = digits[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
    }
}

/// Random bytes from the system generator, fetched in 4 KiB blocks with one `getrandom` call.
final class RandomPool: Sendable {
    static let shared = RandomPool()
    private static let blockSize = 4096
    private let state = Mutex<(bytes: [UInt8], offset: Int)>(([], RandomPool.blockSize))

    func fill(_ destination: UnsafeMutableRawBufferPointer) {
        state.withLock { state in
            if state.offset + destination.count > state.bytes.count {
                state.bytes = RandomPool.systemRandomBytes(RandomPool.blockSize)
                state.offset = 0
            }
            state.bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[state.offset..<state.offset + destination.count]))
            }
            state.offset += destination.count
        }
    }

    private static func systemRandomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = bytes.withUnsafeMutableBytes { strata_random_bytes($0.baseAddress, count) }
        if filled == count { return bytes }
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        return bytes
    }
}
