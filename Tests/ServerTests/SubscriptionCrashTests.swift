import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Four consumers of a group on a live `strata-server` while products are made, the server killed
/// with SIGKILL with polls and acks in flight, then restarted: no acknowledgement answered 204
/// comes back, and every event of the group's filter is acknowledged in the end (or was in an
/// acknowledgement the kill left unanswered).
@Suite(.serialized) struct SubscriptionCrashTests {
    @Test func acknowledgedEventsNeverComeBackAndNoneIsLostAcrossAKill() throws {
        let directory = TemporaryDirectory("subscriptions")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path)
        try server.waitUntilReady()
        let auth = ["Authorization": "Bearer \(try server.adminToken())"]
        let made = try server.request("PUT", "/v1/subscriptions/crash", headers: auth, body: #"{"eventTypes":["ProductCreated"],"ackTimeoutSeconds":2}"#)
        #expect(made.status == 201, "\(made.body)")

        let record = Deliveries()
        let writer = Thread {
            for index in 0..<400 {
                let body = #"{"sku":"CRASH-\#(index)","name":"Thing \#(index)","priceCents":100,"stock":5}"#
                guard let answer = try? server.request("POST", "/v1/products", headers: auth, body: body), answer.status == 201 else { break }
            }
            record.finish()
        }
        let consumers = (0..<4).map { consumer in Thread { Self.consume(server, auth, "c\(consumer)", record, phase: 0) } }
        writer.start()
        for thread in consumers { thread.start() }
        let deadline = Date().addingTimeInterval(60)
        while record.acknowledged(phase: 0).count < 100, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        while record.finished < 5, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let before = record.acknowledged(phase: 0)
        #expect(before.count >= 100)

        let restarted = try LiveServer(directory: directory.path)
        defer { _ = try? restarted.stop() }
        try restarted.waitUntilReady()
        let more = Thread {
            for index in 0..<100 {
                let body = #"{"sku":"AFTER-\#(index)","name":"Later \#(index)","priceCents":100,"stock":5}"#
                guard let answer = try? restarted.request("POST", "/v1/products", headers: auth, body: body), answer.status == 201 else { break }
            }
            record.finish()
        }
        let again = (0..<4).map { consumer in Thread { Self.consume(restarted, auth, "r\(consumer)", record, phase: 1, idleRounds: 3) } }
        more.start()
        for thread in again { thread.start() }
        while record.finished < 10, Date() < deadline.addingTimeInterval(60) { Thread.sleep(forTimeInterval: 0.01) }
        let created = try Self.positions(of: "ProductCreated", on: restarted, auth)
        let redelivered = record.delivered(phase: 1)
        print("subscription crash: \(before.count) acknowledged before the kill, \(created.count) events, \(redelivered.count) delivered after")
        #expect(before.isDisjoint(with: redelivered))
        // An ack that got no answer may have been made durable: its event need not come back.
        let missing = created.subtracting(before.union(record.acknowledged(phase: 1)))
        #expect(missing.isSubset(of: record.unanswered), "\(missing.sorted()) never acknowledged")
        let group = try restarted.request("GET", "/v1/subscriptions/crash", headers: auth).json()
        #expect(group["inFlight"] as? Int == 0)
        #expect((group["position"] as? Int ?? 0) >= (created.max().map(Int.init) ?? 0))
    }

    /// Polls and acknowledges until the server stops answering, or `idleRounds` empty polls.
    private static func consume(_ server: LiveServer, _ auth: [String: String], _ name: String, _ record: Deliveries, phase: Int, idleRounds: Int = .max) {
        var idle = 0
        while idle < idleRounds {
            guard let answer = try? server.request("POST", "/v1/subscriptions/crash/poll", headers: auth, body: #"{"consumer":"\#(name)","max":20,"waitSeconds":1}"#),
                  answer.status == 200, let messages = (try? answer.json())?["messages"] as? [[String: Any]] else { break }
            if messages.isEmpty {
                idle += 1
                continue
            }
            idle = 0
            let delivered = messages.compactMap { ($0["event"] as? [String: Any])?["position"] as? Int }.map(UInt64.init)
            record.deliver(delivered, phase: phase)
            let ids = messages.compactMap { $0["ackId"] as? String }.map { "\"\($0)\"" }.joined(separator: ",")
            guard let acked = try? server.request("POST", "/v1/subscriptions/crash/ack", headers: auth, body: #"{"ackIds":[\#(ids)]}"#) else {
                // Sent as the server died: durable or not, nobody knows.
                record.leaveUnanswered(delivered)
                break
            }
            if acked.status == 204 { record.acknowledge(delivered, phase: phase) }
        }
        record.finish()
    }

    private static func positions(of type: String, on server: LiveServer, _ auth: [String: String]) throws -> Set<UInt64> {
        var found = Set<UInt64>()
        var after = 0
        while true {
            let page = try server.request("GET", "/v1/admin/events?type=\(type)&limit=1000&after=\(after)", headers: auth).json()
            let events = page["events"] as? [[String: Any]] ?? []
            for event in events { if let position = event["position"] as? Int { found.insert(UInt64(position)) } }
            guard let last = events.last?["position"] as? Int, events.count == 1000 else { return found }
            after = last
        }
    }
}

/// What the consumers were handed and what their acknowledgements were answered 204 for, by phase
/// (0 before the kill, 1 after the restart).
private final class Deliveries: @unchecked Sendable {
    private let lock = NSLock()
    private var handed: [Int: Set<UInt64>] = [:]
    private var acked: [Int: Set<UInt64>] = [:]
    private var sentUnanswered: Set<UInt64> = []
    private var done = 0

    func leaveUnanswered(_ positions: [UInt64]) { lock.withLock { sentUnanswered.formUnion(positions) } }
    var unanswered: Set<UInt64> { lock.withLock { sentUnanswered } }

    func deliver(_ positions: [UInt64], phase: Int) { lock.withLock { handed[phase, default: []].formUnion(positions) } }
    func acknowledge(_ positions: [UInt64], phase: Int) { lock.withLock { acked[phase, default: []].formUnion(positions) } }
    func finish() { lock.withLock { done += 1 } }

    func delivered(phase: Int) -> Set<UInt64> { lock.withLock { handed[phase] ?? [] } }
    func acknowledged(phase: Int) -> Set<UInt64> { lock.withLock { acked[phase] ?? [] } }
    var finished: Int { lock.withLock { done } }
}
