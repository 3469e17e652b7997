import Foundation
import Ledger
import StrataKit
import StrataStore
import StrataTestSupport
import Testing

/// Sixteen transfer loops at once over a few accounts: no balance ever goes below zero, every
/// transfer has both sides, and the money is what was deposited.
@Suite struct ConcurrentTransfersTests {
    @Test func sixteenLoopsNeverOverdrawAndConserveMoney() async throws {
        try await LedgerFixture.withApp { log, app in
            let ledger = try LedgerService(app: app)
            let owner = Caller(userId: "ann", isAdmin: false)
            let accounts = (0..<4).map { "acct-\($0)" }
            for id in accounts {
                _ = try await ledger.open(id: id, ownerId: "ann", name: id, metadata: EventMetadata())
                _ = try await ledger.change(id, by: owner, admins: true, expectedVersion: nil, metadata: EventMetadata()) { try $0.deposit(1_000) }
            }
            let outcomes = try await withThrowingTaskGroup(of: (moved: Int, refused: Int).self) { group in
                for loop in 0..<16 {
                    group.addTask {
                        var random = SplitMix64(seed: UInt64(loop + 1))
                        var (moved, refused) = (0, 0)
                        for _ in 0..<40 {
                            let from = Int(random.next() % 4)
                            let to = (from + 1 + Int(random.next() % 3)) % 4
                            do {
                                _ = try await ledger.transfer(
                                    id: LedgerService.newId(), from: accounts[from], to: accounts[to], amountCents: 1 + Int(random.next() % 400),
                                    by: owner, metadata: EventMetadata()
                                )
                                moved += 1
                            } catch LedgerError.insufficientFunds {
                                refused += 1
                            }
                        }
                        return (moved, refused)
                    }
                }
                return try await group.reduce(into: [(moved: Int, refused: Int)]()) { $0.append($1) }
            }
            let moved = outcomes.reduce(0) { $0 + $1.moved }
            let refused = outcomes.reduce(0) { $0 + $1.refused }
            #expect(moved + refused == 640)
            #expect(moved > 0)
            var total = 0
            var sent = Set<String>()
            var received = Set<String>()
            for id in accounts {
                // The folded stream, the read model and the statement's last line agree.
                let events = try log.readStream(Account.streamId(id)).map { try app.registry.event(of: $0) }
                let state = Account.folding(events)
                #expect(state.balanceCents >= 0)
                var balance = 0
                for event in events {
                    switch event {
                    case let event as FundsDeposited: balance += event.amountCents
                    case let event as TransferSent: (balance, _) = (balance - event.amountCents, sent.insert(event.transferId))
                    case let event as TransferReceived: (balance, _) = (balance + event.amountCents, received.insert(event.transferId))
                    default: break
                    }
                    #expect(balance >= 0, "\(id) went below zero")
                }
                let json = try #require(try ledger.accountJSON(id, for: owner)).json
                let record = try KitCoding.decoder().decode(AccountRecord.self, from: Data(json))
                #expect(record.balanceCents == state.balanceCents)
                let lines = try #require(try ledger.statement(id, for: owner, limit: 100, after: nil))
                var page = lines
                while let next = page.next { page = try #require(try ledger.statement(id, for: owner, limit: 100, after: next)) }
                #expect(page.items.last?.balanceCents == state.balanceCents)
                total += state.balanceCents
            }
            #expect(total == 4_000)
            #expect(sent == received)
            #expect(sent.count == moved)
        }
    }
}
