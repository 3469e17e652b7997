import StrataStore

/// The writer's running state within one batch: the head so far and the positions to add to the
/// type index at the end. Saved before each job and restored when the job's writes roll back.
final class BatchState {
    var head: UInt64
    var typePositions: [String: [UInt64]] = [:]
    let hook: (any AppendHook)?

    init(head: UInt64, hook: (any AppendHook)?) {
        self.head = head
        self.hook = hook
    }

    func save() -> (UInt64, [String: [UInt64]]) { (head, typePositions) }

    func restore(_ saved: (UInt64, [String: [UInt64]])) {
        (head, typePositions) = saved
    }
}
