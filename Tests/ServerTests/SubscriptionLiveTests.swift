import Foundation
import StrataPostgres
import StrataTestSupport
import Synchronization
import Testing

/// Consumer groups through a live `strata-server` (on the current test store): competing
/// consumers keeping each stream in order, redelivery after the ack timeout, parking, and a push
/// receiver on loopback that fails and recovers.
@Suite(.serialized) struct SubscriptionLiveTests {
    /// 20 products changed 49 times each: 1,000 events on 20 streams.
    private func makeStreams(on server: LiveServer, _ auth: [String: String]) throws {
        for product in 0..<20 {
            let made = try server.request("POST", "/v1/products", headers: auth, body: #"{"sku":"LIVE-\#(product)","name":"Thing","priceCents":100,"stock":1}"#)
            let id = try #require(try made.json()["id"] as? String, "\(made.body)")
            for change in 1...49 {
                let changed = try server.request("PATCH", "/v1/products/\(id)", headers: auth, body: #"{"priceCents":\#(100 + change)}"#)
                guard changed.status == 200 else { throw LiveServerError("patch: \(changed.status) \(changed.body)") }
            }
        }
    }

    /// Eight consumers over 1,000 events of 20 streams; every seventh batch handed out (whoever
    /// got it) is left unacknowledged, so its events come back after the one-second ack timeout.
    @Test func competingConsumersHandleEveryEventOnceEachStreamInOrder() throws {
        let directory = TemporaryDirectory("sub-live")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path)
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let auth = try server.adminHeaders()
        let made = try server.request("PUT", "/v1/subscriptions/products", headers: auth, body: #"{"streamPrefix":"product-","eventTypes":["ProductCreated","ProductUpdated"],"ackTimeoutSeconds":1}"#)
        #expect(made.status == 201, "\(made.body)")
        try makeStreams(on: server, auth)
        let held = Mutex<Set<String>>([]), lastAcked = Mutex<[String: Int]>([:]), acked = Mutex<[Int: Int]>([:])
        let faults = Mutex<[String]>([]), dropped = Mutex(0), batches = Mutex(0)
        let consumers = (0..<8).map { index in
            Thread {
                var idle = 0
                while idle < 3 {
                    guard let answer = try? server.request("POST", "/v1/subscriptions/products/poll", headers: auth, body: #"{"consumer":"c\#(index)","max":7,"waitSeconds":2}"#),
                          let messages = (try? answer.json())?["messages"] as? [[String: Any]] else { break }
                    if messages.isEmpty { idle += 1; continue }
                    idle = 0
                    let events = messages.compactMap { $0["event"] as? [String: Any] }
                    for event in events {
                        let stream = event["streamId"] as? String ?? ""
                        if !held.withLock({ $0.insert(stream).inserted }) { faults.withLock { $0.append("\(stream) held twice") } }
                    }
                    for event in events { _ = held.withLock { $0.remove(event["streamId"] as? String ?? "") } }
                    if batches.withLock({ count in count += 1; return count % 7 == 3 }) {
                        dropped.withLock { $0 += events.count }
                        continue
                    }
                    let ackIds = messages.compactMap { $0["ackId"] as? String }
                    let ids = ackIds.map { "\"\($0)\"" }.joined(separator: ",")
                    guard let answer = try? server.request("POST", "/v1/subscriptions/products/ack", headers: auth, body: #"{"ackIds":[\#(ids)]}"#) else { break }
                    // Under load an ack can come after its one-second lease: 409 names those (they
                    // come back), and the others of the call took effect.
                    guard answer.status == 204 || answer.status == 409 else {
                        faults.withLock { $0.append("ack answered \(answer.status): \(answer.body)") }
                        continue
                    }
                    let refused = answer.status == 409 ? Set(ackIds.filter { answer.body.contains($0) }) : []
                    let taken = zip(messages, events).filter { !refused.contains($0.0["ackId"] as? String ?? "") }.map(\.1)
                    for event in taken {
                        let stream = event["streamId"] as? String ?? "", version = event["version"] as? Int ?? 0
                        acked.withLock { $0[event["position"] as? Int ?? 0, default: 0] += 1 }
                        lastAcked.withLock { last in
                            if (last[stream] ?? 0) + 1 != version { faults.withLock { $0.append("\(stream) v\(version) after v\(last[stream] ?? 0)") } }
                            last[stream] = version
                        }
                    }
                }
            }
        }
        for thread in consumers { thread.start() }
        while consumers.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.05) }
        #expect(faults.withLock { $0 }.isEmpty, "\(faults.withLock { $0 }.prefix(5))")
        #expect(dropped.withLock { $0 } > 0)
        let counts = acked.withLock { $0 }
        #expect(counts.count == 1_000 && counts.values.allSatisfy { $0 == 1 })
        let group = try server.request("GET", "/v1/subscriptions/products", headers: auth).json()
        #expect(group["lag"] as? Int == 0 && group["inFlight"] as? Int == 0, "\(group)")
    }

    @Test func anUnacknowledgedEventComesBackAndIsParkedAfterItsDeliveries() throws {
        let directory = TemporaryDirectory("sub-park")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path)
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let auth = try server.adminHeaders()
        _ = try server.request("PUT", "/v1/subscriptions/poison", headers: auth, body: #"{"eventTypes":["ProductCreated"],"ackTimeoutSeconds":1,"maxDeliveries":2}"#)
        _ = try server.request("POST", "/v1/products", headers: auth, body: #"{"sku":"POISON","name":"Thing","priceCents":100,"stock":1}"#)
        let poll = #"{"consumer":"c","max":10,"waitSeconds":3}"#
        let first = try server.request("POST", "/v1/subscriptions/poison/poll", headers: auth, body: poll).json()["messages"] as? [[String: Any]]
        #expect(first?.first?["deliveries"] as? Int == 1)
        let second = try server.request("POST", "/v1/subscriptions/poison/poll", headers: auth, body: poll).json()["messages"] as? [[String: Any]]
        #expect(second?.first?["deliveries"] as? Int == 2)
        let third = try server.request("POST", "/v1/subscriptions/poison/poll", headers: auth, body: #"{"consumer":"c","max":10,"waitSeconds":2}"#).json()["messages"] as? [[String: Any]]
        #expect(third?.isEmpty == true)
        let parked = try server.request("GET", "/v1/subscriptions/poison/parked", headers: auth).json()["items"] as? [[String: Any]]
        #expect(parked?.first?["deliveries"] as? Int == 2)
        #expect((parked?.first?["reason"] as? String)?.contains("2 deliveries") == true)
    }

    @Test func aPushReceiverThatFailsGetsEveryMessageOnceItRecovers() async throws {
        let receiver = try await PushReceiver.start(refusing: 4)
        defer { receiver.stop() }
        let directory = TemporaryDirectory("sub-push")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path)
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let auth = try server.adminHeaders()
        let made = try server.request("PUT", "/v1/subscriptions/hook", headers: auth, body: #"{"eventTypes":["ProductCreated"],"push":{"url":"\#(receiver.url)","secret":"0123456789abcdef"}}"#)
        #expect(made.status == 201, "\(made.body)")
        for index in 0..<10 {
            _ = try server.request("POST", "/v1/products", headers: auth, body: #"{"sku":"PUSH-\#(index)","name":"Thing","priceCents":100,"stock":1}"#)
        }
        #expect(try await receiver.waitFor(10) == 10)
        var group: [String: Any] = [:]
        for _ in 0..<50 {
            group = try server.request("GET", "/v1/subscriptions/hook", headers: auth).json()
            if group["lag"] as? Int == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(group["lag"] as? Int == 0 && group["parked"] as? Int == 0, "\(group)")
        #expect(server.stderrText().contains("push delivery failed"))
        // The four refusals (503) are counted for /metrics, by reason.
        let metrics = try server.request("GET", "/metrics").body
        #expect(metrics.contains(#"strata_subscription_push_failures_total{group="hook",reason="status_5xx"} 4"#), "\(metrics)")
    }

    /// An account made by `strata-admin users create --role service` (the server stopped) signs in
    /// and consumes, and reaches nothing else.
    @Test func aServiceAccountMadeByTheToolReachesOnlyConsumerGroups() throws {
        let directory = TemporaryDirectory("sub-service")
        defer { directory.remove() }
        let tool = Process()
        tool.executableURL = builtProductsDirectory(containing: "strata-admin").appendingPathComponent("strata-admin")
        var arguments = ["--data-dir", directory.path, "users", "create", "--email", "mailer@example.com", "--name", "Mailer", "--role", "service", "--bcrypt-cost", "4"]
        if TestStoreKind.current == .postgres {
            arguments += ["--postgres-url", try PostgresTestServer.database(named: "strata_server_" + LiveServer.databaseSuffix(directory.path)).text]
        }
        tool.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["STRATA_JWT_SECRET"] = String(repeating: "s", count: 32)
        tool.environment = environment
        let input = Pipe()
        tool.standardInput = input
        tool.standardOutput = FileHandle.nullDevice
        try tool.run()
        input.fileHandleForWriting.write(Data("mailer password\n".utf8))
        try input.fileHandleForWriting.close()
        tool.waitUntilExit()
        #expect(tool.terminationStatus == 0)

        let server = try LiveServer(directory: directory.path)
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let admin = try server.adminHeaders()
        #expect(try server.request("PUT", "/v1/subscriptions/mail", headers: admin, body: #"{"eventTypes":["UserRegistered"]}"#).status == 201)
        let signIn = try server.request("POST", "/v1/sessions", body: #"{"email":"mailer@example.com","password":"mailer password"}"#)
        let token = try #require(try signIn.json()["accessToken"] as? String, "\(signIn.status) \(signIn.body)")
        let service = ["Authorization": "Bearer \(token)"]
        let polled = try server.request("POST", "/v1/subscriptions/mail/poll", headers: service, body: #"{"consumer":"mailer-1"}"#)
        let messages = try #require(try polled.json()["messages"] as? [[String: Any]], "\(polled.body)")
        #expect(messages.count == 2)
        let ids = messages.compactMap { $0["ackId"] as? String }.map { "\"\($0)\"" }.joined(separator: ",")
        #expect(try server.request("POST", "/v1/subscriptions/mail/ack", headers: service, body: #"{"ackIds":[\#(ids)]}"#).status == 204)
        #expect(try server.request("GET", "/v1/subscriptions/mail", headers: service).status == 200)
        #expect(try server.request("PUT", "/v1/subscriptions/other", headers: service, body: "{}").status == 403)
        #expect(try server.request("GET", "/v1/users/me", headers: service).status == 403)
        #expect(try server.request("POST", "/v1/products", headers: service, body: #"{"sku":"S","name":"S","priceCents":1,"stock":1}"#).status == 403)
        #expect(try server.request("GET", "/v1/admin/events", headers: service).status == 403)
        #expect(try server.request("DELETE", "/v1/sessions/current", headers: service).status == 204)
    }
}
