import StrataStore
internal import CStrataSupport

/// CRC-32C (Castagnoli), the checksum every event record carries.
enum CRC32C {
    /// The checksum of `bytes`, continuing from `crc`.
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        strata_crc32c(crc, bytes.baseAddress, bytes.count)
    }

    /// The table-driven implementation (for tests against the hardware one).
    static func portableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        strata_crc32c_portable(crc, bytes.baseAddress, bytes.count)
    }
}
