import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import StrataKit
import StrataStore
import StrataSubscriptions
import SubscriptionsAPI
import Synchronization

/// The server's consumer for push groups: for each, it takes the group's messages as any
/// consumer would and POSTs each to the group's URL with `Strata-Signature` and
/// `Strata-Delivery`; a 2xx acknowledges it, anything else (or no answer within 10 s, or the
/// group's ack timeout if shorter) leaves it leased for a backoff and delivers it again, and the
/// group parks it after `maxDeliveries`. Up to ``inFlightPerGroup`` POSTs per group are in flight
/// at once, a window that takes the next message as soon as one ends (a slow answer holds one
/// place, not the others). On a shared store one server at a time drives each group, under a
/// work lease.
public final class PushDelivery: Service, Sendable {
    let groups: ConsumerGroups
    let store: any EventStore
    /// The client given, or `nil` for one of the pusher's own while it runs (``webhookClient(connections:)``).
    let givenClient: HTTPClient?
    let backoff: PushBackoff
    /// POSTs per group at once.
    public let inFlightPerGroup: Int
    /// Set on a shared store: one server drives each group.
    let leases: WorkLeases?
    let logger: Logger
    /// How often the list of push groups is read again.
    let rescan: Duration

    /// The pusher of `store`'s push groups, POSTing through `client` (by default its own, with a
    /// connection per place of the window), counting into `counters` and woken by `signals` (the
    /// server's, so that a replay through the routes wakes it).
    public init(
        store: any EventStore,
        counters: DeliveryCounters = DeliveryCounters(),
        signals: GroupSignals = GroupSignals(),
        client: HTTPClient? = nil,
        backoff: PushBackoff = PushBackoff(),
        inFlightPerGroup: Int = 64,
        leaseDuration: TimeInterval = 10,
        rescan: Duration = .seconds(1),
        logger: Logger
    ) {
        self.groups = ConsumerGroups(store: store, counters: counters, signals: signals)
        self.store = store
        self.givenClient = client
        self.backoff = backoff
        self.inFlightPerGroup = max(1, inFlightPerGroup)
        self.leases = store.traits.isShared ? WorkLeases(owner: "push-" + UUID().uuidString, duration: leaseDuration) : nil
        self.rescan = rescan
        self.logger = logger
    }

    /// Drives every push group until the service is shut down, starting a driver for each push
    /// group listed that has none. A driver ends itself when it finds its group gone or no longer
    /// pushed: a listing may be older than the group (deleted and made again under its name), so
    /// it never stops one — that would strand the messages the driver had just leased.
    public func run() async throws {
        guard !store.traits.isReadOnly else { return }
        let client = givenClient ?? HTTPClient(configuration: Self.webhookClient(connections: inFlightPerGroup))
        await cancelWhenGracefulShutdown { [self] in
            var drivers: [String: Task<Void, Never>] = [:]
            // Drivers that returned (their group was gone when they looked): started again if it is back.
            let ended = EndedDrivers()
            while !Task.isCancelled {
                for name in ended.take() { drivers[name] = nil }
                if let names = try? await groups.pushGroups().map(\.name) {
                    for name in names where drivers[name] == nil {
                        drivers[name] = Task {
                            await drive(name, through: client)
                            ended.add(name)
                        }
                    }
                }
                try? await Task.sleep(for: rescan)
            }
            for driver in drivers.values { driver.cancel() }
            for driver in drivers.values { await driver.value }
        }
        if givenClient == nil { try? await client.shutdown() }
    }

    /// A webhook client: as many connections per receiver as the window has places (the shared
    /// client's 8 would queue the rest inside it, on the clock of their timeout), a 5 s connect
    /// timeout, no redirects (a 3xx is a failed delivery: a signed body is not re-sent elsewhere),
    /// no decompression (the answer's body is not read), and none of the client's own spans: it
    /// would make every POST a trace of its own and send a second `traceparent` beside
    /// ``PushSpan``'s, which continues the command's trace.
    static func webhookClient(connections: Int) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(5)),
            connectionPool: HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections),
            decompression: .disabled
        )
        configuration.tracing.tracer = nil
        return configuration
    }

    /// POSTs one message: ``PostOutcome/took`` when the receiver took it (2xx; the caller
    /// acknowledges it, with others), ``PostOutcome/refused`` when it is left here for a backoff,
    /// ``PostOutcome/stopped`` when the driver stopped before an answer (the caller gives it back).
    func deliver(_ message: DeliveredMessage, of group: String, to target: PushTarget, settings: GroupSettings, through client: HTTPClient) async -> PostOutcome {
        let span = PushSpan(message, group: group, url: target.url)
        let outcome: String
        let failure: PushFailure
        do {
            let body = try KitCoding.encode(MessageBody(message))
            var request = HTTPClientRequest(url: target.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Strata-Signature", value: PushSignature.header(for: body, secret: target.secret))
            request.headers.add(name: "Strata-Delivery", value: message.ackId)
            if let traceparent = span.traceparent { request.headers.add(name: "traceparent", value: traceparent) }
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: .seconds(Int64(min(10, settings.ackTimeoutSeconds))))
            _ = try? await response.body.collect(upTo: 1 << 16)
            let status = Int(response.status.code)
            guard !(200..<300).contains(status) else {
                span.end(status: status, error: nil)
                return .took
            }
            outcome = "answered \(status)"
            failure = PushFailure(status: status)
            span.end(status: status, error: String(status))
        } catch {
            // The client reports a cancelled request with its own error, not CancellationError.
            if Task.isCancelled {
                span.end(status: nil, error: "cancelled")
                return .stopped
            }
            outcome = "\(error)"
            failure = Self.timeouts.contains { $0 == error as? HTTPClientError } ? .timeout : .connection
            span.end(status: nil, error: failure.rawValue)
        }
        groups.counters.add(pushFailure: failure, to: group)
        let delay = backoff.delay(afterDeliveries: message.deliveries)
        let parking = message.deliveries >= settings.maxDeliveries
        logger.warning(
            "push delivery failed",
            metadata: [
                "group": "\(group)", "url": "\(target.url)", "position": "\(message.event.position)",
                "delivery": "\(message.deliveries) of \(settings.maxDeliveries)", "outcome": "\(outcome)",
                "next": "\(parking ? "parked" : "again in \(delay)")",
            ]
        )
        do {
            try await groups.retryLater(group, ackIds: [message.ackId], after: delay, maxDeliveries: settings.maxDeliveries)
        } catch {
            logger.warning("push retry not recorded; the lease's expiry delivers it again", metadata: ["group": "\(group)", "error": "\(error)"])
        }
        return .refused
    }

    /// Gives back messages leased but not posted (the driver stopped first), in one write, so
    /// that they are delivered again at once — by another server on a shared store — not after
    /// the group's ack timeout.
    func releaseUnposted(_ ackIds: [String], of group: String) async {
        guard !ackIds.isEmpty else { return }
        do {
            try await groups.nack(group, ackIds: ackIds, action: .retry, reason: nil)
        } catch SubscriptionError.groupNotFound {
            // Deleted: its leases went with it.
        } catch {
            logger.warning("leased pushes not given back; the ack timeout delivers them again", metadata: ["group": "\(group)", "messages": "\(ackIds.count)", "error": "\(error)"])
        }
    }

    /// The client's errors for a receiver that took too long to answer.
    static let timeouts: [HTTPClientError] = [.deadlineExceeded, .readTimeout, .writeTimeout]

    /// Acknowledges the messages the receiver took, in one write.
    func acknowledge(_ ackIds: [String], of group: String) async {
        do {
            try await groups.ack(group, ackIds: ackIds)
        } catch SubscriptionError.groupNotFound {
            // Deleted: nothing left to acknowledge.
        } catch {
            logger.warning("pushes delivered but not acknowledged", metadata: ["group": "\(group)", "messages": "\(ackIds.count)", "error": "\(error)"])
        }
    }

    /// Gives the group's lease up at a clean stop, so another server takes over at once.
    func release(_ work: String) {
        guard let leases else { return }
        let store = self.store
        Task { _ = try? await store.write { transaction in try leases.release(work, in: transaction) } }
    }
}

/// The groups whose drivers returned since the pusher last looked.
private final class EndedDrivers: Sendable {
    private let names = Mutex<Set<String>>([])

    func add(_ name: String) { names.withLock { _ = $0.insert(name) } }

    func take() -> Set<String> { names.withLock { names in defer { names = [] }; return names } }
}
