import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `strata-server` as a process: Server-Sent Events over a real socket, and graceful shutdown.
@Suite(.serialized) struct ServerTests {
    private func temporaryDirectory() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("strata-server-\(UUID().uuidString)")
    }

    @Test func liveEventsArriveAndResumeAfterLastEventID() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try LiveServer(directory: directory)
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let token = try server.adminToken()

        let feed = try Connection(port: server.port)
        defer { feed.close() }
        try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live?after=0", headers: ["Authorization": "Bearer \(token)"], body: nil))
        // The events so far (the first admin's registration and sign-in) arrive at once.
        let (early, _) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("event: SessionStarted") }
        let head = String(decoding: early, as: UTF8.self)
        #expect(head.contains("HTTP/1.1 200") && head.lowercased().contains("content-type: text/event-stream"))
        #expect(head.contains("id: 1\n") && head.contains("event: UserRegistered"))

        // An event appended after connecting arrives.
        let created = try server.request(
            "POST",
            "/v1/products",
            headers: ["Authorization": "Bearer \(token)"],
            body: #"{"sku":"LIVE-1","name":"Live","priceCents":100,"stock":1}"#
        )
        #expect(created.status == 201)
        let position = try #require(created.headers["strata-position"])
        let (later, closed) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("event: ProductCreated") }
        let text = String(decoding: later, as: UTF8.self)
        #expect(!closed && text.contains("id: \(position)\nevent: ProductCreated\ndata: {"))
        #expect(text.contains(#""sku":"LIVE-1""#))

        // A client resuming with Last-Event-ID gets only what came after it.
        let resumed = try Connection(port: server.port)
        defer { resumed.close() }
        let before = (UInt64(position) ?? 1) - 1
        try resumed.send(
            LiveServer.requestText("GET", "/v1/admin/events/live", headers: ["Authorization": "Bearer \(token)", "Last-Event-ID": String(before)], body: nil)
        )
        let (again, _) = resumed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("event: ProductCreated") }
        let resumedText = String(decoding: again, as: UTF8.self)
        #expect(resumedText.contains("id: \(position)\n") && !resumedText.contains("id: \(before)\n") && !resumedText.contains("id: 1\n"))
    }

    @Test func heartbeatsKeepAnIdleStreamAlive() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try LiveServer(directory: directory, environment: ["STRATA_SSE_HEARTBEAT": "0.2"])
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let token = try server.adminToken()
        let feed = try Connection(port: server.port)
        defer { feed.close() }
        try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live?after=1000", headers: ["Authorization": "Bearer \(token)"], body: nil))
        let (bytes, _) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).components(separatedBy: ": heartbeat").count > 2 }
        #expect(String(decoding: bytes, as: UTF8.self).components(separatedBy: ": heartbeat").count > 2)
    }

    @Test func sigtermFinishesRequestsClosesTheStoreAndExitsZero() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try LiveServer(directory: directory)
        try server.waitUntilReady()
        let token = try server.adminToken()
        var ids: [String] = []
        for index in 0..<20 {
            let created = try server.request(
                "POST",
                "/v1/products",
                headers: ["Authorization": "Bearer \(token)"],
                body: #"{"sku":"SKU-\#(index)","name":"P\#(index)","priceCents":100,"stock":5}"#
            )
            #expect(created.status == 201)
            ids.append(try created.json()["id"] as? String ?? "")
        }
        // An open live feed must not hold shutdown up.
        let feed = try Connection(port: server.port)
        defer { feed.close() }
        try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live", headers: ["Authorization": "Bearer \(token)"], body: nil))
        _ = feed.read(timeout: 2) { String(decoding: $0, as: UTF8.self).contains("event: ProductCreated") }

        let status = try server.stop(signal: SIGTERM)
        #expect(status == 0)

        // Restart: every product is there, and the admin is not made twice.
        let restarted = try LiveServer(directory: directory)
        try restarted.waitUntilReady()
        for id in ids {
            let read = try restarted.request("GET", "/v1/products/\(id)")
            #expect(read.status == 200, "\(id)")
        }
        let listed = try restarted.request("GET", "/v1/products?limit=100")
        #expect((try listed.json()["items"] as? [Any])?.count == 20)
        let events = try restarted.request("GET", "/v1/admin/events?type=UserRegistered", headers: ["Authorization": "Bearer \(try restarted.adminToken())"])
        #expect((try events.json()["events"] as? [Any])?.count == 1)
        #expect(try restarted.stop(signal: SIGINT) == 0)
    }

    @Test func aShortJWTSecretIsRefusedWithAClearMessage() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try LiveServer(directory: directory, environment: ["STRATA_JWT_SECRET": "too short"])
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus != 0)
        #expect(server.stderrText().contains("STRATA_JWT_SECRET must be at least 32 bytes"))
    }
}
