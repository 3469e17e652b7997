import Foundation
import StrataPostgres
import StrataTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Consumer groups on two `strata-server`s sharing one PostgreSQL database: consumers on both
/// never hold one event at once and acknowledge each once; a push group's driver moves to the
/// other server when its server is killed.
@Suite(.serialized, .enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct SubscriptionClusterTests {
    /// A second server on the first one's database.
    private func second(beside first: LiveServer, _ directory: TemporaryDirectory) throws -> LiveServer {
        let url = try PostgresTestServer.database(named: "strata_server_" + LiveServer.databaseSuffix(first.directory)).text
        return try LiveServer(directory: directory.path, environment: ["STRATA_POSTGRES_URL": url, "STRATA_JWT_SECRET": String(repeating: "s", count: 32)], store: .lmdb)
    }

    /// Runs `body` with two ready servers on one database, stopped and removed after.
    private func withTwoServers(_ label: String, _ body: (LiveServer, LiveServer) throws -> Void) throws {
        let directoryA = TemporaryDirectory("\(label)-a"), directoryB = TemporaryDirectory("\(label)-b")
        defer { directoryA.remove(); directoryB.remove() }
        let a = try LiveServer(directory: directoryA.path, store: .postgres)
        defer { _ = try? a.stop() }
        try a.waitUntilReady()
        let b = try second(beside: a, directoryB)
        defer { _ = try? b.stop() }
        try b.waitUntilReady()
        try body(a, b)
    }

    private func makeProducts(_ count: Int, on server: LiveServer, _ auth: [String: String], prefix: String) throws {
        for index in 0..<count {
            let answer = try server.request("POST", "/v1/products", headers: auth, body: #"{"sku":"\#(prefix)-\#(index)","name":"Thing","priceCents":100,"stock":1}"#)
            guard answer.status == 201 else { throw LiveServerError("product: \(answer.status) \(answer.body)") }
        }
    }

    @Test func consumersOnTwoServersNeverShareAnEventAndAcknowledgeEachOnce() throws {
        try withTwoServers("pg-sub") { a, b in
            let auth = try a.adminHeaders()
            #expect(try a.request("PUT", "/v1/subscriptions/shared", headers: auth, body: #"{"eventTypes":["ProductCreated"],"ackTimeoutSeconds":30}"#).status == 201)
            try makeProducts(300, on: a, auth, prefix: "A")
            let held = Mutex<Set<Int>>([]), handed = Mutex<[Int: Int]>([:]), faults = Mutex<[String]>([])
            let consumers = (0..<8).map { index in
                Thread {
                    let server = index % 2 == 0 ? a : b
                    var idle = 0
                    while idle < 3 {
                        guard let answer = try? server.request("POST", "/v1/subscriptions/shared/poll", headers: auth, body: #"{"consumer":"c\#(index)","max":10,"waitSeconds":1}"#),
                              let messages = (try? answer.json())?["messages"] as? [[String: Any]] else { break }
                        if messages.isEmpty { idle += 1; continue }
                        idle = 0
                        let positions = messages.compactMap { ($0["event"] as? [String: Any])?["position"] as? Int }
                        for position in positions {
                            if !held.withLock({ $0.insert(position).inserted }) { faults.withLock { $0.append("\(position) held twice") } }
                            handed.withLock { $0[position, default: 0] += 1 }
                        }
                        for position in positions { _ = held.withLock { $0.remove(position) } }
                        let ids = messages.compactMap { $0["ackId"] as? String }.map { "\"\($0)\"" }.joined(separator: ",")
                        let acked = try? server.request("POST", "/v1/subscriptions/shared/ack", headers: auth, body: #"{"ackIds":[\#(ids)]}"#)
                        if acked?.status != 204 { faults.withLock { $0.append("ack answered \(acked?.status ?? 0)") } }
                    }
                }
            }
            for thread in consumers { thread.start() }
            while consumers.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.05) }
            #expect(faults.withLock { $0 }.isEmpty, "\(faults.withLock { $0 }.prefix(5))")
            let counts = handed.withLock { $0 }
            #expect(counts.count == 300)
            #expect(counts.values.allSatisfy { $0 == 1 })
            let group = try b.request("GET", "/v1/subscriptions/shared", headers: auth).json()
            #expect(group["inFlight"] as? Int == 0)
            #expect(group["lag"] as? Int == 0)
        }
    }

    /// A long poll on one server wakes when a consumer on the other acknowledges the event its
    /// stream's next one waited behind — within about a second, not at the end of its wait.
    @Test func aLongPollWakesForAnAcknowledgementOnTheOtherServer() throws {
        try withTwoServers("pg-wake") { a, b in
            let auth = try a.adminHeaders()
            #expect(try a.request("PUT", "/v1/subscriptions/pair", headers: auth, body: #"{"eventTypes":["ProductCreated","ProductUpdated"]}"#).status == 201)
            let made = try a.request("POST", "/v1/products", headers: auth, body: #"{"sku":"WAKE-1","name":"Thing","priceCents":100,"stock":1}"#).json()
            let id = try #require(made["id"] as? String)
            #expect(try a.request("PATCH", "/v1/products/\(id)", headers: auth, body: #"{"priceCents":200}"#).status == 200)
            let first = try a.request("POST", "/v1/subscriptions/pair/poll", headers: auth, body: #"{"consumer":"one","max":10}"#).json()["messages"] as? [[String: Any]] ?? []
            #expect(first.count == 1, "the stream's second event waits behind the first")
            let ackId = try #require(first.first?["ackId"] as? String)

            let got = Mutex<(types: [String], seconds: Double)?>(nil)
            let waiter = Thread {
                let started = Date()
                let answer = try? b.request("POST", "/v1/subscriptions/pair/poll", headers: auth, body: #"{"consumer":"two","max":10,"waitSeconds":25}"#)
                let messages = (try? answer?.json())?["messages"] as? [[String: Any]] ?? []
                let types = messages.compactMap { ($0["event"] as? [String: Any])?["type"] as? String }
                let seconds = Date().timeIntervalSince(started)
                got.withLock { $0 = (types, seconds) }
            }
            waiter.start()
            Thread.sleep(forTimeInterval: 1.5)
            #expect(try a.request("POST", "/v1/subscriptions/pair/ack", headers: auth, body: #"{"ackIds":["\#(ackId)"]}"#).status == 204)
            while !waiter.isFinished { Thread.sleep(forTimeInterval: 0.05) }
            let result = try #require(got.withLock { $0 })
            #expect(result.types == ["ProductUpdated"])
            #expect(result.seconds < 10, "the long poll took \(result.seconds) s")
        }
    }

    @Test func aPushGroupMovesToTheOtherServerWhenItsServerDies() async throws {
        let receiver = try await PushReceiver.start()
        defer { receiver.stop() }

        let directoryA = TemporaryDirectory("pg-push-a"), directoryB = TemporaryDirectory("pg-push-b")
        defer { directoryA.remove(); directoryB.remove() }
        let a = try LiveServer(directory: directoryA.path, store: .postgres)
        try a.waitUntilReady()
        let auth = try a.adminHeaders()
        let made = try a.request("PUT", "/v1/subscriptions/hook", headers: auth, body: #"{"eventTypes":["ProductCreated"],"ackTimeoutSeconds":5,"push":{"url":"\#(receiver.url)","secret":"0123456789abcdef"}}"#)
        #expect(made.status == 201, "\(made.body)")
        try makeProducts(20, on: a, auth, prefix: "A")
        #expect(try await receiver.waitFor(20) == 20)
        // B starts once A drives the group; then A dies with its lease.
        let b = try second(beside: a, directoryB)
        defer { _ = try? b.stop() }
        try b.waitUntilReady()
        kill(a.process.processIdentifier, SIGKILL)
        a.process.waitUntilExit()
        try makeProducts(20, on: b, auth, prefix: "B")
        #expect(try await receiver.waitFor(40, timeout: .seconds(30)) == 40)
        var group: [String: Any] = [:]
        for _ in 0..<100 {
            group = try b.request("GET", "/v1/subscriptions/hook", headers: auth).json()
            if group["lag"] as? Int == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(group["lag"] as? Int == 0 && group["inFlight"] as? Int == 0, "\(group)")
    }
}
