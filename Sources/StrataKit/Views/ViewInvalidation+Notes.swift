import StrataStore

/// Invalidations carried to the other servers sharing a store: each commit notes the views it
/// changed (``StoreTransaction/note(_:)``), and a server hearing of another's commits drops
/// exactly those (``ProjectionRunner``'s foreign-commit observer).
extension ViewInvalidation {
    /// Separates a note's parts: never in a view name, and not expected in keys (which keep any).
    private static let separator: Character = "\u{1}"

    /// This invalidation as notes: `position␁view␁key` per key, `position␁view` for a whole view.
    var notes: [String] {
        switch self {
        case .keys(let keys, let position):
            keys.map { "\(position)\(Self.separator)\($0.view)\(Self.separator)\($0.key)" }
        case .view(let view, let position):
            ["\(position)\(Self.separator)\(view)"]
        }
    }

    /// The invalidation a note stands for; `nil` for a note that is not one of these.
    init?(note: String) {
        let parts = note.split(separator: Self.separator, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let position = UInt64(parts[0]), !parts[1].isEmpty else { return nil }
        if parts.count == 3 {
            self = .keys([ViewKey(view: String(parts[1]), key: String(parts[2]))], position: position)
        } else {
            self = .view(String(parts[1]), position: position)
        }
    }
}

extension ViewInvalidations {
    /// Publishes `invalidation` once `transaction` has committed durably, and when other
    /// processes share the store (`shared`) leaves it in the commit for them as notes.
    func publish(_ invalidation: ViewInvalidation, after transaction: any StoreTransaction, shared: Bool) {
        if shared { for note in invalidation.notes { transaction.note(note) } }
        transaction.afterCommit { [self] in publish(invalidation) }
    }
}
