import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import StrataHTTP
import Testing

/// The ledger's routes through the real router, on the current test store.
@Suite struct LedgerRoutesTests {
    @Test func ownersOpenDepositWithdrawAndReadTheirAccounts() async throws {
        try await LedgerFixture.run { fixture, client in
            let opened = try await client.send(.post, "/v1/ledger/accounts", fixture.ann, #"{"name":" Main "}"#)
            #expect(opened.status == .created)
            let account = try object(opened)
            let id = try #require(account["id"] as? String)
            #expect(account["name"] as? String == "Main" && account["ownerId"] as? String == "ann" && account["balanceCents"] as? Int == 0)
            #expect(account["status"] as? String == "open" && account["version"] as? Int == 1)
            #expect(opened.headers[.location] == "/v1/ledger/accounts/\(id)" && opened.headers[.strataPosition] != nil)
            let deposited = try await client.send(.post, "/v1/ledger/accounts/\(id)/deposits", fixture.ann, #"{"amountCents":1000}"#)
            #expect(try deposited.status == .ok && (object(deposited))["balanceCents"] as? Int == 1000)
            // An admin may deposit, but only the owner withdraws; anyone else finds nothing.
            #expect(try await client.send(.post, "/v1/ledger/accounts/\(id)/deposits", fixture.admin, #"{"amountCents":500}"#).status == .ok)
            #expect(try await client.send(.post, "/v1/ledger/accounts/\(id)/withdrawals", fixture.admin, #"{"amountCents":1}"#).status == .notFound)
            #expect(try await client.send(.post, "/v1/ledger/accounts/\(id)/deposits", fixture.bob, #"{"amountCents":1}"#).status == .notFound)
            #expect(try await client.send(.get, "/v1/ledger/accounts/\(id)", fixture.bob).status == .notFound)
            #expect(try await client.send(.get, "/v1/ledger/accounts/\(id)", nil).status == .unauthorized)
            let refused = try await client.send(.post, "/v1/ledger/accounts/\(id)/withdrawals", fixture.ann, #"{"amountCents":1501}"#)
            #expect(try refused.status == .conflict && (object(refused))["code"] as? String == "insufficient_funds")
            let bad = try await client.send(.post, "/v1/ledger/accounts/\(id)/withdrawals", fixture.ann, #"{"amountCents":0,"extra":1}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try await client.send(.post, "/v1/ledger/accounts/\(id)/withdrawals", fixture.ann, #"{"amountCents":1500}"#).status == .ok)
            // ETags: the admin reads it too, and a matching If-None-Match is 304; a stale If-Match is 412.
            let read = try await client.send(.get, "/v1/ledger/accounts/\(id)", fixture.admin)
            #expect(try read.status == .ok && (object(read))["balanceCents"] as? Int == 0 && read.headers[.eTag] == "\"4\"")
            #expect(try await client.send(.get, "/v1/ledger/accounts/\(id)", fixture.ann, nil, [.ifNoneMatch: "\"4\""]).status == .notModified)
            #expect(try await client.send(.post, "/v1/ledger/accounts/\(id)/close", fixture.ann, nil, [.ifMatch: "\"3\""]).status == .preconditionFailed)
            let closed = try await client.send(.post, "/v1/ledger/accounts/\(id)/close", fixture.ann, nil, [.ifMatch: "\"4\""])
            #expect(try closed.status == .ok && (object(closed))["status"] as? String == "closed")
            let again = try await client.send(.post, "/v1/ledger/accounts/\(id)/deposits", fixture.ann, #"{"amountCents":1}"#)
            #expect(try again.status == .conflict && (object(again))["code"] as? String == "invalid_state")
        }
    }

    @Test func transfersMoveMoneyAtomicallyAndAppearOnBothStatements() async throws {
        try await LedgerFixture.run { fixture, client in
            let from = try await client.account(fixture.ann, "Ann", cents: 1000)
            let to = try await client.account(fixture.bob, "Bob", cents: 0)
            let body = #"{"fromAccountId":"\#(from)","toAccountId":"\#(to)","amountCents":300}"#
            let sent = try await client.send(.post, "/v1/ledger/transfers", fixture.ann, body, [.idempotencyKey: "t-1"])
            #expect(sent.status == .created)
            let transfer = try object(sent)
            #expect(transfer["fromAccountId"] as? String == from && transfer["toAccountId"] as? String == to && transfer["amountCents"] as? Int == 300)
            // The same key gives the same answer and moves nothing more.
            let replayed = try await client.send(.post, "/v1/ledger/transfers", fixture.ann, body, [.idempotencyKey: "t-1"])
            #expect(try replayed.status == .created && replayed.headers[.idempotentReplayed] == "true" && (object(replayed))["id"] as? String == transfer["id"] as? String)
            // Only the owner of `from` sends; unknown accounts are 404; the same account is 422.
            #expect(try await client.send(.post, "/v1/ledger/transfers", fixture.bob, body).status == .notFound)
            #expect(try await client.send(.post, "/v1/ledger/transfers", fixture.ann, #"{"fromAccountId":"\#(from)","toAccountId":"nope","amountCents":1}"#).status == .notFound)
            #expect(try await client.send(.post, "/v1/ledger/transfers", fixture.ann, #"{"fromAccountId":"\#(from)","toAccountId":"\#(from)","amountCents":1}"#).status == .unprocessableContent)
            let short = try await client.send(.post, "/v1/ledger/transfers", fixture.ann, #"{"fromAccountId":"\#(from)","toAccountId":"\#(to)","amountCents":701}"#)
            #expect(try short.status == .conflict && (object(short))["code"] as? String == "insufficient_funds")
            let statement = try object(try await client.send(.get, "/v1/ledger/accounts/\(from)/statement?limit=1", fixture.ann))
            let first = try #require((statement["items"] as? [[String: Any]])?.first)
            #expect(first["kind"] as? String == "deposit" && first["balanceCents"] as? Int == 1000 && first["transferId"] == nil)
            let cursor = try #require(statement["next"] as? String)
            let rest = try object(try await client.send(.get, "/v1/ledger/accounts/\(from)/statement?limit=1&after=\(cursor)", fixture.ann))
            let second = try #require((rest["items"] as? [[String: Any]])?.first)
            #expect(second["kind"] as? String == "transfer_out" && second["amountCents"] as? Int == 300 && second["balanceCents"] as? Int == 700)
            #expect(second["transferId"] as? String == transfer["id"] as? String && rest["next"] is NSNull)
            let received = try object(try await client.send(.get, "/v1/ledger/accounts/\(to)/statement", fixture.bob))
            #expect((received["items"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["transfer_in"])
            #expect(try await client.send(.get, "/v1/ledger/accounts/\(to)/statement", fixture.ann).status == .notFound)
            #expect(try await client.send(.get, "/v1/ledger/accounts/\(to)/statement", fixture.admin).status == .ok)
            // Bob's account cannot close with money in it; a transfer to a closed account is refused.
            #expect(try await client.send(.post, "/v1/ledger/accounts/\(to)/close", fixture.bob).status == .conflict)
            let empty = try await client.account(fixture.bob, "Empty", cents: 0)
            #expect(try await client.send(.post, "/v1/ledger/accounts/\(empty)/close", fixture.admin).status == .ok)
            let toClosed = try await client.send(.post, "/v1/ledger/transfers", fixture.ann, #"{"fromAccountId":"\#(from)","toAccountId":"\#(empty)","amountCents":1}"#)
            #expect(try toClosed.status == .conflict && (object(toClosed))["code"] as? String == "invalid_state")
        }
    }

    @Test func dailyTotalsFollowTheLogForAdmins() async throws {
        try await LedgerFixture.run { fixture, client in
            let from = try await client.account(fixture.ann, "Ann", cents: 1000)
            let to = try await client.account(fixture.bob, "Bob", cents: 0)
            let sent = try await client.send(.post, "/v1/ledger/transfers", fixture.ann, #"{"fromAccountId":"\#(from)","toAccountId":"\#(to)","amountCents":250}"#)
            let position = try #require(sent.headers[.strataPosition])
            #expect(try await client.send(.get, "/v1/ledger/daily", fixture.ann).status == .forbidden)
            #expect(try await client.send(.get, "/v1/ledger/daily?from=yesterday", fixture.admin).status == .badRequest)
            let daily = try await client.send(.get, "/v1/ledger/daily", fixture.admin, nil, [.strataMinPosition: position])
            #expect(daily.status == .ok)
            let today = DailyTotalsProjection.day(of: Date())
            let days = try #require(try object(daily)["items"] as? [[String: Any]])
            let totals = try #require(days.first { $0["day"] as? String == today })
            #expect(totals["accountsOpened"] as? Int == 2 && totals["deposits"] as? Int == 1 && totals["depositedCents"] as? Int == 1000)
            #expect(totals["transfers"] as? Int == 1 && totals["transferredCents"] as? Int == 250 && totals["withdrawals"] as? Int == 0)
        }
    }
}
