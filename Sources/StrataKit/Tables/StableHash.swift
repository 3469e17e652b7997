/// A 64-bit FNV-1a hash: the same for the same bytes in every process and version, unlike
/// `Hasher`, so it may be stored (snapshot fingerprints) or sent (listing ETags).
public enum StableHash {
    /// The FNV-1a hash of `text`'s UTF-8 bytes.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
