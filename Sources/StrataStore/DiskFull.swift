#if canImport(Glibc)
import Glibc
#endif

/// The operating-system errors after which a write did not happen because the disk took no more:
/// `ENOSPC` (no space), `EDQUOT` (quota) and `EIO` (a write or sync the device refused). Stores and
/// the key store answer them as ``EventStoreError/Code/storeFull``: nothing acknowledged is lost,
/// reads go on, and a later write may succeed once there is room.
public enum DiskFull {
    public static let errnos: Set<Int32> = [ENOSPC, EDQUOT, EIO]

    /// The error a store gives for such a refused write.
    public static func error(_ detail: String) -> EventStoreError {
        EventStoreError(.storeFull, "the store is full: \(detail)")
    }
}
