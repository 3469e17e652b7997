import Hummingbird
import StrataKit
import StrataStore
import Synchronization

extension StrataRequestContextProtocol {
    /// Runs a command on `store` and answers it. `render` makes the answer from the command's
    /// position and the read models, read through the given reader (`nil`: a fresh snapshot).
    ///
    /// Without an `Idempotency-Key` the answer is rendered after the commit, outside the write
    /// lock — unless `store` prefers decisions on its writer
    /// (``EventStore/prefersDecisionsOnTheWriter``: a database server), whose transaction reads
    /// what it just wrote without a round trip: then it is rendered inside. With a key it is
    /// always rendered inside the command's own write transaction and stored there with the key
    /// and the request's hash: one commit, and a crash at any moment leaves both or neither. A
    /// command that appended nothing stores nothing (repeating it appends nothing either).
    public func answerCommand<Value>(
        on store: any EventStore,
        render: @escaping @Sendable (_ position: UInt64, _ reader: (any StoreReading)?) throws -> StoredAnswer,
        _ command: (_ followUp: CommandFollowUp?) async throws -> CommandResult<Value>
    ) async throws -> Response {
        guard let claim = idempotency else {
            guard store.prefersDecisionsOnTheWriter else { return try render(try await command(nil).position, nil).response }
            let rendered = Mutex<(position: UInt64, answer: StoredAnswer)?>(nil)
            let result = try await command(CommandFollowUp { position, transaction in
                let answer = try render(position, transaction)
                rendered.withLock { $0 = (position, answer) }
            })
            if result.append != nil, let (at, answer) = rendered.withLock({ $0 }), at == result.position { return answer.response }
            return try render(result.position, nil).response
        }
        let staked = Mutex<(position: UInt64, answer: StoredAnswer)?>(nil)
        let followUp = CommandFollowUp { position, transaction in
            let answer = try render(position, transaction)
            try claim.stake(answer: try answer.encoded(), position: position, in: transaction)
            staked.withLock { $0 = (position, answer) }
        }
        let result = try await command(followUp)
        // A retried decision may have staked in a transaction that was rolled back: only the
        // answer of the append that committed (at the command's position) counts.
        if result.append != nil, let (at, answer) = staked.withLock({ $0 }), at == result.position { return answer.response }
        return try render(result.position, nil).response
    }
}
