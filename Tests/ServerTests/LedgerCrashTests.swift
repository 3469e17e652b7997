import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ledger-server` under 16 transfer loops, killed with SIGKILL mid-load and restarted: every
/// acknowledged transfer is there with both its sides, no balance is negative, and the money is
/// what was deposited.
@Suite(.serialized) struct LedgerCrashTests {
    @Test func transfersSurviveAKillWithBothSidesAndNoMoneyMade() throws {
        let directory = TemporaryDirectory("ledger")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path, executable: "ledger-server")
        try server.waitUntilReady()
        let auth = ["Authorization": "Bearer \(try server.adminToken())"]
        let accounts = try (0..<4).map { index in
            let opened = try server.request("POST", "/v1/ledger/accounts", headers: auth, body: #"{"name":"Account \#(index)"}"#)
            let id = try #require(try opened.json()["id"] as? String, "\(opened.status) \(opened.body)")
            #expect(try server.request("POST", "/v1/ledger/accounts/\(id)/deposits", headers: auth, body: #"{"amountCents":10000}"#).status == 200)
            return id
        }

        let acknowledged = AcknowledgedTransfers()
        let workers = (0..<16).map { worker in
            Thread {
                var random = SplitMix64(seed: UInt64(worker + 1))
                for _ in 0..<2000 {
                    let from = Int(random.next() % 4)
                    let to = (from + 1 + Int(random.next() % 3)) % 4
                    let body = #"{"fromAccountId":"\#(accounts[from])","toAccountId":"\#(accounts[to])","amountCents":\#(1 + random.next() % 3000)}"#
                    guard let answer = try? server.request("POST", "/v1/ledger/transfers", headers: auth, body: body) else { break }
                    if answer.status == 201, let id = try? answer.json()["id"] as? String { acknowledged.add(id) }
                    guard [201, 409].contains(answer.status) else { break }
                }
                acknowledged.finish()
            }
        }
        for worker in workers { worker.start() }
        let deadline = Date().addingTimeInterval(60)
        while acknowledged.count < 150, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        while acknowledged.finished < workers.count, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(acknowledged.count >= 150)

        let restarted = try LiveServer(directory: directory.path, executable: "ledger-server")
        defer { _ = try? restarted.stop() }
        try restarted.waitUntilReady()
        var total = 0
        var sides: [String: [String]] = [:]
        for id in accounts {
            let account = try restarted.request("GET", "/v1/ledger/accounts/\(id)", headers: auth).json()
            let balance = try #require(account["balanceCents"] as? Int)
            #expect(balance >= 0)
            total += balance
            var after: String?
            var last: Int?
            repeat {
                let page = try restarted.request("GET", "/v1/ledger/accounts/\(id)/statement?limit=100" + (after.map { "&after=\($0)" } ?? ""), headers: auth).json()
                for entry in page["items"] as? [[String: Any]] ?? [] {
                    last = entry["balanceCents"] as? Int
                    #expect((last ?? -1) >= 0)
                    if let transfer = entry["transferId"] as? String { sides[transfer, default: []].append(entry["kind"] as? String ?? "") }
                }
                after = page["next"] as? String
            } while after != nil
            #expect(last == balance)
        }
        print("ledger crash: acknowledged \(acknowledged.count), transfers stored \(sides.count)")
        #expect(total == 40_000)
        #expect(sides.values.allSatisfy { $0.sorted() == ["transfer_in", "transfer_out"] })
        #expect(acknowledged.ids.isSubset(of: Set(sides.keys)))
    }
}

/// The transfers the clients were answered 201 for, shared by their threads.
private final class AcknowledgedTransfers: @unchecked Sendable {
    private let lock = NSLock()
    private var answered = Set<String>()
    private var done = 0

    func add(_ id: String) { lock.withLock { _ = answered.insert(id) } }
    func finish() { lock.withLock { done += 1 } }

    var ids: Set<String> { lock.withLock { answered } }
    var count: Int { lock.withLock { answered.count } }
    var finished: Int { lock.withLock { done } }
}
