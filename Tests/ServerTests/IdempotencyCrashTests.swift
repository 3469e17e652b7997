import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Keyed POSTs survive `kill -9` at any moment: every key retried after the restart gets the
/// command's one effect and its answer, never a second order and never a lasting 409.
@Suite(.serialized) struct IdempotencyCrashTests {
    @Test func keyedOrdersRetriedAfterAKillAppendOncePerKey() throws {
        let directory = TemporaryDirectory("server")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path)
        try server.waitUntilReady()
        let token = try server.adminToken()
        let auth = ["Authorization": "Bearer \(token)"]
        let stock = 100_000
        let created = try server.request(
            "POST",
            "/v1/products",
            headers: auth,
            body: #"{"sku":"CRASH-1","name":"Crash mug","priceCents":100,"stock":\#(stock)}"#
        )
        let productId = try #require(try created.json()["id"] as? String)
        let body = #"{"items":[{"productId":"\#(productId)","quantity":1}]}"#

        // 16 clients send keyed orders until the server dies under them.
        let ledger = Ledger()
        let workers = (0..<16).map { worker in
            Thread {
                for index in 0..<400 {
                    let key = "crash-\(worker)-\(index)"
                    ledger.sent(key)
                    guard let answer = try? server.request("POST", "/v1/orders", headers: auth.merging(["Idempotency-Key": key]) { $1 }, body: body),
                        answer.status == 201, let id = try? answer.json()["id"] as? String
                    else { break }
                    ledger.acknowledged(key, id)
                }
                ledger.finished()
            }
        }
        for worker in workers { worker.start() }
        let deadline = Date().addingTimeInterval(60)
        while ledger.acknowledgedCount < 60, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        while ledger.finishedCount < workers.count, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(ledger.finishedCount == workers.count)
        #expect(ledger.acknowledgedCount >= 60)

        // Every key again, after the restart: the same order for those answered, one for each.
        let restarted = try LiveServer(directory: directory.path)
        defer { _ = try? restarted.stop() }
        try restarted.waitUntilReady()
        var orderIds = Set<String>()
        var replayed = 0
        for key in ledger.sentKeys {
            let answer = try restarted.request("POST", "/v1/orders", headers: auth.merging(["Idempotency-Key": key]) { $1 }, body: body)
            #expect(answer.status == 201, "\(key): \(answer.status) \(answer.body)")
            let id = try #require(try answer.json()["id"] as? String)
            if let first = ledger.answers[key] {
                #expect(id == first, "\(key) was answered with another order")
                #expect(answer.headers["idempotent-replayed"] == "true")
            }
            if answer.headers["idempotent-replayed"] == "true" { replayed += 1 }
            orderIds.insert(id)
        }
        print("idempotency crash: sent \(ledger.sentKeys.count), acknowledged \(ledger.answers.count), replayed \(replayed)")
        #expect(orderIds.count == ledger.sentKeys.count)
        #expect(replayed >= ledger.answers.count)

        // The store holds exactly one order per key, and the stock agrees.
        #expect(try countOrders(restarted, auth) == ledger.sentKeys.count)
        let product = try restarted.request("GET", "/v1/products/\(productId)")
        #expect(try product.json()["stock"] as? Int == stock - ledger.sentKeys.count)
    }

    private func countOrders(_ server: LiveServer, _ auth: [String: String]) throws -> Int {
        var count = 0
        var after: String?
        repeat {
            let path = "/v1/orders?limit=100" + (after.map { "&after=\($0)" } ?? "")
            let page = try server.request("GET", path, headers: auth).json()
            count += (page["items"] as? [Any])?.count ?? 0
            after = page["next"] as? String
        } while after != nil
        return count
    }
}

/// What the clients sent and were answered, shared by their threads.
private final class Ledger: @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [String] = []
    private var answered: [String: String] = [:]
    private var done = 0

    func sent(_ key: String) { lock.withLock { sent.append(key) } }
    func acknowledged(_ key: String, _ id: String) { lock.withLock { answered[key] = id } }
    func finished() { lock.withLock { done += 1 } }

    var sentKeys: [String] { lock.withLock { sent } }
    var answers: [String: String] { lock.withLock { answered } }
    var acknowledgedCount: Int { lock.withLock { answered.count } }
    var finishedCount: Int { lock.withLock { done } }
}
