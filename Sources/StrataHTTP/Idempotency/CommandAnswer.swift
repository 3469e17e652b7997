import Hummingbird
import StrataKit
import StrataStore
import Synchronization

extension CommandOptions {
    /// Runs a command on `store` and answers it. `render` makes the answer from the command's
    /// position and the read models, read through the given reader (`nil`: a fresh snapshot).
    ///
    /// Where it is rendered follows ``rendersInTransaction(on:)``: after the commit, outside the
    /// write lock, unless a key must be stored with the answer or the store's transaction reads
    /// what it wrote more cheaply than a new read. With a key, the answer is stored in the
    /// command's own write transaction with the key and the request's hash: one commit, and a
    /// crash at any moment leaves both or neither. A command that appended nothing stores nothing
    /// (repeating it appends nothing either).
    public func answer<Value>(
        on store: any EventStore,
        render: @escaping @Sendable (_ position: UInt64, _ reader: (any StoreReading)?) throws -> StoredAnswer,
        _ command: (_ followUp: CommandFollowUp?) async throws -> CommandResult<Value>
    ) async throws -> Response {
        guard rendersInTransaction(on: store) else { return try render(try await command(nil).position, nil).response }
        let claim = idempotency
        let rendered = Mutex<(position: UInt64, answer: StoredAnswer)?>(nil)
        let result = try await command(CommandFollowUp { position, transaction in
            let answer = try render(position, transaction)
            try claim?.stake(answer: try answer.encoded(), position: position, in: transaction)
            rendered.withLock { $0 = (position, answer) }
        })
        // A retried decision may have rendered in a transaction that was rolled back: only the
        // answer of the append that committed (at the command's position) counts.
        if result.append != nil, let (at, answer) = rendered.withLock({ $0 }), at == result.position { return answer.response }
        return try render(result.position, nil).response
    }
}
