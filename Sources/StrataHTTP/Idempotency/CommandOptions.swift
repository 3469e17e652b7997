import StrataKit
import StrataStore

/// How a route's command is carried out besides its decision, handed to its handler by
/// ``CommandRoutes`` and passed on explicitly — never read from the request context: the
/// request's idempotency claim, and with it where the answer is rendered.
public struct CommandOptions: Sendable {
    /// The claim of a keyed POST: the answer is rendered in the command's own write transaction
    /// and stored there with the key; `nil` without a key.
    public var idempotency: IdempotencyClaim?

    public init(idempotency: IdempotencyClaim? = nil) {
        self.idempotency = idempotency
    }

    /// Whether the answer is rendered inside the command's write transaction: to be stored with
    /// the idempotency key, or because `store` prefers decisions on its writer (a database server,
    /// whose transaction reads what it just wrote without a round trip). Otherwise it is rendered
    /// after the commit, outside the write lock.
    public func rendersInTransaction(on store: any EventStore) -> Bool {
        idempotency != nil || store.traits.prefersDecisionsOnTheWriter
    }
}
