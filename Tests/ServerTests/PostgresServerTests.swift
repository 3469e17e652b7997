import Foundation
import StrataPostgres
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `strata-server` on PostgreSQL as a process: configuration refused clearly, the database lost
/// and found again while it runs, kill -9 losing nothing acknowledged, the offline tools kept out.
@Suite(.serialized, .enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct PostgresServerTests {
    @Test func anUnreachableDatabaseIsOneLineNamingHostAndDatabaseAndExit2() throws {
        let directory = TemporaryDirectory("pg-server")
        defer { directory.remove() }
        let server = try LiveServer(
            directory: directory.path,
            environment: ["STRATA_POSTGRES_URL": "postgres://strata:hunter2secret@127.0.0.1:1/shop", "STRATA_JWT_SECRET": String(repeating: "j", count: 32)],
            store: .lmdb
        )
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 2)
        let text = server.stderrText()
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(text.contains("database shop on 127.0.0.1:1"))
        #expect(!text.contains("hunter2secret"))
    }

    @Test func theJWTKeyMustBeGivenWithPostgreSQL() throws {
        let directory = TemporaryDirectory("pg-server")
        defer { directory.remove() }
        let url = try PostgresTestServer.database(named: "strata_no_jwt")
        let server = try LiveServer(directory: directory.path, environment: ["STRATA_POSTGRES_URL": url.text, "STRATA_JWT_SECRET": ""], store: .lmdb)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 2)
        #expect(server.stderrText().contains("set STRATA_JWT_SECRET or STRATA_JWT_KEYS"))
    }

    /// kill -9 under concurrent orders: every acknowledged order is there after a restart, the
    /// stock agrees with them, and the offline replay refused while the server ran.
    @Test func killNineLosesNothingAcknowledgedAndReplayWaitsForTheServer() throws {
        let directory = TemporaryDirectory("pg-server")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path, store: .postgres)
        try server.waitUntilReady()
        let token = try server.adminToken()
        let product = try server.request(
            "POST", "/v1/products", headers: ["Authorization": "Bearer \(token)"],
            body: #"{"sku":"PG-1","name":"Mug","priceCents":100,"stock":100000}"#
        )
        let productId = try #require(try product.json()["id"] as? String)
        let url = try PostgresTestServer.database(named: "strata_server_" + LiveServer.databaseSuffix(directory.path)).text

        let replay = try runTool("strata-replay", ["--postgres-url", url, "--all"])
        #expect(replay.status != 0 && replay.errors.contains("in use by a running strata-server"))
        let stats = try runTool("strata-admin", ["--postgres-url", url, "stats", "--json"])
        #expect(stats.status == 0)

        let acknowledged = Acknowledged()
        let workers = (0..<8).map { _ in
            Thread {
                while !acknowledged.stopped {
                    guard
                        let answer = try? server.request(
                            "POST", "/v1/orders", headers: ["Authorization": "Bearer \(token)"],
                            body: #"{"items":[{"productId":"\#(productId)","quantity":1}]}"#
                        )
                    else { continue }
                    if answer.status == 201, let id = try? answer.json()["id"] as? String { acknowledged.add(id) }
                }
            }
        }
        for worker in workers { worker.start() }
        Thread.sleep(forTimeInterval: 1.5)
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        acknowledged.stop()
        Thread.sleep(forTimeInterval: 0.2)
        let ids = acknowledged.ids
        #expect(ids.count > 10)

        let restarted = try LiveServer(directory: directory.path, store: .postgres)
        defer { _ = try? restarted.stop() }
        try restarted.waitUntilReady()
        let again = try restarted.adminToken()
        for id in ids {
            #expect(try restarted.request("GET", "/v1/orders/\(id)", headers: ["Authorization": "Bearer \(again)"]).status == 200, "\(id)")
        }
        let stock = try #require(try restarted.request("GET", "/v1/products/\(productId)").json()["stock"] as? Int)
        #expect(stock <= 100_000 - ids.count)
        let verify = try runTool("strata-admin", ["--postgres-url", url, "verify"])
        #expect(verify.status == 0, "\(verify.output)")
    }

    /// The database stopped under a running server: writes are 503 `unavailable` with
    /// Retry-After, `/health/ready` is 503; started again, the server recovers by itself.
    @Test func aLostDatabaseIs503UntilItReturns() throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        let directory = TemporaryDirectory("pg-server")
        defer { directory.remove() }
        let server = try LiveServer(
            directory: directory.path,
            environment: ["STRATA_POSTGRES_URL": cluster.url.text, "STRATA_JWT_SECRET": String(repeating: "j", count: 32)],
            store: .lmdb
        )
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let token = try server.adminToken()
        try cluster.stop()
        let write = try server.request(
            "POST", "/v1/products", headers: ["Authorization": "Bearer \(token)"], body: #"{"sku":"LOST-1","name":"Mug","priceCents":100,"stock":1}"#
        )
        #expect(write.status == 503)
        #expect(write.headers["retry-after"] == "1")
        #expect((try? write.json()["code"] as? String) == "unavailable")
        var ready = 200
        for _ in 0..<100 where ready == 200 {
            ready = try server.request("GET", "/health/ready").status
            if ready == 200 { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(ready == 503)
        try cluster.start()
        var created = 0
        for _ in 0..<100 where created != 201 {
            created = try server.request(
                "POST", "/v1/products", headers: ["Authorization": "Bearer \(token)"], body: #"{"sku":"BACK-1","name":"Mug","priceCents":100,"stock":1}"#
            ).status
            if created != 201 { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(created == 201)
        #expect(try server.request("GET", "/health/ready").status == 200)
    }

    /// Two servers on one database: a write on one is read on the other — at once with its
    /// `Strata-Min-Position`, within about a second without — and the live feed on one carries
    /// the other's events.
    @Test func twoServersOnOneDatabaseSeeEachOthersWrites() throws {
        let url = try PostgresTestServer.database(named: "strata_two_servers_" + String(UInt32.random(in: 0...UInt32.max), radix: 16))
        let environment = ["STRATA_POSTGRES_URL": url.text, "STRATA_JWT_SECRET": String(repeating: "t", count: 32)]
        let first = TemporaryDirectory("pg-a")
        let second = TemporaryDirectory("pg-b")
        defer {
            first.remove()
            second.remove()
        }
        let a = try LiveServer(directory: first.path, environment: environment, store: .lmdb)
        defer { _ = try? a.stop() }
        try a.waitUntilReady()
        let b = try LiveServer(directory: second.path, environment: environment, store: .lmdb)
        defer { _ = try? b.stop() }
        try b.waitUntilReady()
        let token = try a.adminToken()
        // The same key signs on both: a token from A works on B.
        let authorization = ["Authorization": "Bearer \(token)"]

        let feed = try Connection(port: a.port)
        defer { feed.close() }
        try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live", headers: authorization, body: nil))
        let (opened, _) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("retry:") }
        #expect(String(decoding: opened, as: UTF8.self).contains("200"))

        let created = try b.request("POST", "/v1/products", headers: authorization, body: #"{"sku":"TWO-1","name":"Mug","priceCents":100,"stock":5}"#)
        #expect(created.status == 201)
        let id = try #require(try created.json()["id"] as? String)
        let started = Date()
        let (heard, _) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("event: ProductCreated") }
        #expect(String(decoding: heard, as: UTF8.self).contains("event: ProductCreated"))
        #expect(Date().timeIntervalSince(started) < 2)

        // B caches the product; A restocks it; B with A's position answers the new stock at once.
        let cached = try b.request("GET", "/v1/products/\(id)").json()["stock"] as? Int
        #expect(cached == 5)
        let restocked = try a.request("POST", "/v1/products/\(id)/restock", headers: authorization, body: #"{"quantity":7}"#)
        #expect(restocked.status == 200)
        let position = try #require(restocked.headers["strata-position"])
        let fresh = try b.request("GET", "/v1/products/\(id)", headers: ["Strata-Min-Position": position])
        let freshStock = try fresh.json()["stock"] as? Int
        #expect(fresh.status == 200 && freshStock == 12)
        // Without the header, within about a second.
        let other = try a.request("POST", "/v1/products/\(id)/restock", headers: authorization, body: #"{"quantity":1}"#)
        #expect(other.status == 200)
        var stock = 0
        let deadline = Date().addingTimeInterval(3)
        while stock != 13, Date() < deadline {
            stock = (try? b.request("GET", "/v1/products/\(id)").json()["stock"] as? Int) ?? 0
            if stock != 13 { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(stock == 13)

        // Sign-in failures count across the servers: five wrong passwords spread over both, then
        // the next attempt on either is refused.
        for attempt in 0..<5 {
            let server = attempt.isMultiple(of: 2) ? a : b
            let refused = try server.request("POST", "/v1/sessions", body: #"{"email":"admin@example.com","password":"wrong password"}"#)
            #expect(refused.status == 401)
        }
        #expect(try a.request("POST", "/v1/sessions", body: #"{"email":"admin@example.com","password":"admin password"}"#).status == 429)
        #expect(try b.request("POST", "/v1/sessions", body: #"{"email":"admin@example.com","password":"admin password"}"#).status == 429)
    }

    /// Three servers, 64 buyers spread over them: every unit of stock is sold exactly once — all
    /// orders succeed while stock lasts, none oversells, no 5xx — and a server killed with SIGKILL
    /// under that load loses nothing it acknowledged while the others go on.
    @Test func sixtyFourBuyersOnThreeServersNeverOversell() throws {
        let url = try PostgresTestServer.database(named: "strata_three_" + String(UInt32.random(in: 0...UInt32.max), radix: 16))
        let environment = ["STRATA_POSTGRES_URL": url.text, "STRATA_JWT_SECRET": String(repeating: "3", count: 32)]
        let directories = (0..<3).map { TemporaryDirectory("pg-\($0)") }
        defer { for directory in directories { directory.remove() } }
        var servers: [LiveServer] = []
        for directory in directories {
            let server = try LiveServer(directory: directory.path, environment: environment, store: .lmdb)
            try server.waitUntilReady()
            servers.append(server)
        }
        defer { for server in servers { _ = try? server.stop() } }
        let token = try servers[0].adminToken()
        let authorization = ["Authorization": "Bearer \(token)"]
        let stock = 300
        let product = try servers[1].request("POST", "/v1/products", headers: authorization, body: #"{"sku":"THREE-1","name":"Mug","priceCents":100,"stock":\#(stock)}"#)
        let productId = try #require(try product.json()["id"] as? String)

        let sold = Acknowledged()
        let failures = Acknowledged()
        let refusals = Acknowledged()
        let all = servers
        let buyers = (0..<64).map { buyer in
            Thread {
                var attempt = buyer
                while !sold.stopped {
                    let server = all[attempt % 3]
                    attempt += 1
                    guard
                        let answer = try? server.request(
                            "POST", "/v1/orders", headers: authorization, body: #"{"items":[{"productId":"\#(productId)","quantity":1}]}"#
                        )
                    else { continue }  // the killed server: try the next one
                    switch answer.status {
                    case 201: if let id = try? answer.json()["id"] as? String { sold.add(id) }
                    case 409:
                        // Sold out: once every buyer has heard so, the load is over.
                        refusals.add("\(buyer)")
                        if Set(refusals.ids).count == 64 { sold.stop() }
                    default: failures.add("\(answer.status) \(answer.body.prefix(200))")
                    }
                }
            }
        }
        for buyer in buyers { buyer.start() }
        Thread.sleep(forTimeInterval: 0.5)
        // The first server started holds the async projections' leases: kill that one.
        kill(servers[0].process.processIdentifier, SIGKILL)
        servers[0].process.waitUntilExit()
        let deadline = Date().addingTimeInterval(60)
        while !sold.stopped, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        sold.stop()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(failures.ids.filter { !$0.hasPrefix("503") }.isEmpty, "\(failures.ids.prefix(5))")
        let ids = Set(sold.ids)
        // Every unit sold once: the acknowledged orders, plus at most the ones the killed server
        // had committed but not yet answered (one per buyer in flight there).
        #expect(ids.count <= stock && ids.count >= stock - 64)
        let read = try servers[2].request("GET", "/v1/products/\(productId)", headers: ["Strata-Min-Position": "1"])
        let left = try read.json()["stock"] as? Int
        #expect(left == 0)
        // The async sales projection — its lease on a survivor now — counts every order once.
        let head = try #require(read.headers["strata-position"])
        var placed: Int?
        let takeover = Date().addingTimeInterval(15)
        while placed != stock, Date() < takeover {
            let sales = try servers[1].request("GET", "/v1/stats/sales", headers: authorization.merging(["Strata-Min-Position": head]) { $1 })
            placed = sales.status == 200 ? try sales.json()["ordersPlaced"] as? Int : nil
            if placed != stock { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(placed == stock)
        for id in ids {
            #expect(try servers[1].request("GET", "/v1/orders/\(id)", headers: authorization).status == 200)
        }
    }

    private func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent(name)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// Order ids answered 201, gathered by several threads.
final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var gathered: [String] = []
    private var isStopped = false

    var stopped: Bool { lock.withLock { isStopped } }
    var ids: [String] { lock.withLock { gathered } }
    func add(_ id: String) { lock.withLock { gathered.append(id) } }
    func stop() { lock.withLock { isStopped = true } }
}
