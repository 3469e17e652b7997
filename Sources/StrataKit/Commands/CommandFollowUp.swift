import StrataStore

/// Work a caller adds to a command's own write transaction: it runs after the command's events
/// and the inline projections are written (so it reads them), and commits with them or not at
/// all. If it throws, the command appends nothing and fails with that error. It may run more
/// than once (a retried decision), each time in a fresh transaction.
///
/// This is how an idempotency key and its answer are stored with the command's events, and how
/// an erasure marks its key for destruction: passed explicitly, never through task-locals.
public struct CommandFollowUp: Sendable {
    let body: @Sendable (_ position: UInt64, _ transaction: any StoreTransaction) throws -> Void

    /// `body` gets the last position the command appended and the transaction.
    public init(_ body: @escaping @Sendable (_ position: UInt64, _ transaction: any StoreTransaction) throws -> Void) {
        self.body = body
    }

    func run(position: UInt64, in transaction: any StoreTransaction) throws {
        try body(position, transaction)
    }

    /// `first` then `second`; either may be absent.
    public static func sequence(_ first: CommandFollowUp?, _ second: CommandFollowUp?) -> CommandFollowUp? {
        guard let first else { return second }
        guard let second else { return first }
        return CommandFollowUp { position, transaction in
            try first.run(position: position, in: transaction)
            try second.run(position: position, in: transaction)
        }
    }
}
