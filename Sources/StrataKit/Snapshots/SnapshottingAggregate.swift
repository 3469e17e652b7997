/// An aggregate whose state may be stored as a snapshot, so that a decision on a long stream
/// reads the snapshot and the events after it instead of folding the whole stream.
///
/// The state is stored as JSON through the registry's encoder, so personal fields held as
/// ``PersonalString`` are sealed with their subject's key exactly as in events: erasing the
/// subject leaves nothing readable in a snapshot either. Keep plaintext personal data out of a
/// snapshotting aggregate's stored form.
public protocol SnapshottingAggregate: Aggregate, Codable {
    /// The version of the stored shape and of what the state means: bump it whenever either
    /// changes (a field added, `apply` folding differently), and snapshots stored before are
    /// ignored — the stream is folded instead, and a new snapshot written. Snapshots are also
    /// ignored when the registry's upcasters change (``EventRegistry/upcastFingerprint``).
    static var snapshotVersion: UInt32 { get }
}
