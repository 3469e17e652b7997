/// Commits that other processes sharing the store made, as one observer hears of them
/// (``HeadFeed/onForeignCommits(_:)``).
public struct ForeignCommits: Sendable, Hashable {
    /// The head once they are visible.
    public let head: UInt64
    /// The notes their transactions left (``StoreTransaction/note(_:)``), in commit order; `nil`
    /// when the store cannot tell them all (its record of them is gone): assume anything changed.
    public let notes: [String]?

    public init(head: UInt64, notes: [String]?) {
        self.head = head
        self.notes = notes
    }
}
