import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import StrataKit
import StrataStore

/// `/v1/admin`: the log and the projections, for operators (admin role only). Events, a stream,
/// the live feed as Server-Sent Events, the projections' state, and online rebuilds (and, in
/// `+Catalog`, `+Parked` and `+Summary`, the type catalogue, stream listing, parked events and the
/// console's dashboard). Answers are
/// `Cache-Control: no-store`.
public struct AdminController<Context: StrataRequestContextProtocol>: Sendable {
    let log: any EventStore
    let runner: ProjectionRunner
    let adminRole: String
    let background: BackgroundWork
    let heartbeat: Duration
    let feeds: LiveFeedLimiter
    let dashboard: DashboardSources
    let logger: Logger

    public init(
        log: any EventStore,
        runner: ProjectionRunner,
        adminRole: String = "admin",
        background: BackgroundWork,
        heartbeat: Duration = .seconds(15),
        feeds: LiveFeedLimiter = LiveFeedLimiter(),
        dashboard: DashboardSources = DashboardSources(),
        logger: Logger
    ) {
        self.log = log
        self.runner = runner
        self.adminRole = adminRole
        self.background = background
        self.heartbeat = heartbeat
        self.feeds = feeds
        self.dashboard = dashboard
        self.logger = logger
    }

    /// Adds the routes to `group` (mounted at `/v1/admin`).
    public func addRoutes(to group: RouterGroup<Context>) {
        group.get("summary", use: summary)
        group.get("events", use: events)
        group.get("events/live", use: live)
        group.get("event-types", use: eventTypes)
        group.get("streams", use: streams)
        group.get("streams/:streamId", use: stream)
        group.get("projections", use: projections)
        group.post("projections/:name/rebuild", use: rebuild)
        group.get("projections/:name/parked", use: parked)
        group.post("projections/:name/parked/:position/retry", use: retryParked)
        group.post("projections/:name/parked/:position/skip", use: skipParked)
    }

    struct EventPage: Encodable {
        var events: [EventBody]
        var next: String?

        private enum CodingKeys: String, CodingKey { case events, next }

        /// `next` is `null` on the last page.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(events, forKey: .events)
            try container.encode(next, forKey: .next)
        }
    }

    struct StreamPage: Encodable {
        var streamId: String
        var version: UInt64
        var events: [EventBody]
    }

    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let after = try QueryParameter.position(request, "after") ?? 0
        let limit = try QueryParameter.integer(request, "limit", in: 1...1000, default: 100)
        if let correlationId = request.uri.queryParameters.get("correlationId").map({ String($0) }) {
            guard (1...255).contains(correlationId.utf8.count), !correlationId.utf8.contains(0) else {
                throw Problem.invalidParameter("correlationId", "must be a request id (1–255 bytes)")
            }
            return try JSONResponse.make(try await correlatedEvents(correlationId, after: after, limit: limit))
        }
        let type = request.uri.queryParameters.get("type").map { String($0) }
        if let type, !(1...255).contains(type.utf8.count) || type.utf8.contains(0) {
            throw Problem.invalidParameter("type", "must be an event type name (1–255 bytes)")
        }
        let found = try await log.read { snapshot in
            try type.map { try snapshot.readByType($0, after: after, limit: limit + 1) } ?? snapshot.readAll(after: after, limit: limit + 1)
        }
        let page = Array(found.prefix(limit))
        let next = found.count > limit ? page.last.map { String($0.position) } : nil
        return try JSONResponse.make(EventPage(events: page.map(EventBody.init), next: next))
    }

    @Sendable func stream(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let streamId = try context.parameters.require("streamId")
        guard (1...255).contains(streamId.utf8.count), !streamId.utf8.contains(0) else { throw Problem.notFound("no stream \(streamId)") }
        let limit = try QueryParameter.integer(request, "limit", in: 1...1000, default: 100)
        let from = try QueryParameter.position(request, "from")
        let direction: ScanDirection
        switch request.uri.queryParameters.get("direction") ?? "forward" {
        case "forward": direction = .forward
        case "backward": direction = .backward
        default: throw Problem.invalidParameter("direction", "must be forward or backward")
        }
        let (version, events) = try await log.read { snapshot in
            (try snapshot.streamVersion(streamId), try snapshot.readStream(streamId, from: from, direction: direction, limit: limit))
        }
        guard version > 0 else { throw Problem.notFound("no stream \(streamId)") }
        return try JSONResponse.make(StreamPage(streamId: streamId, version: version, events: events.map(EventBody.init)))
    }

    @Sendable func projections(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        return try JSONResponse.make(try await log.offload { try runner.status() })
    }

    @Sendable func rebuild(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try context.parameters.require("name")
        guard let status = try await log.offload({ [runner = self.runner] in try runner.status() }).first(where: { $0.name == name }) else { throw Problem.notFound("no projection \(name)") }
        guard status.status != "rebuilding" else {
            throw Problem(status: .conflict, code: "conflict", detail: "projection \(name) is being rebuilt already")
        }
        let runner = self.runner
        let logger = self.logger
        background.start {
            do {
                try await runner.rebuild(name)
                logger.info("projection rebuilt", metadata: ["projection": .string(name)])
            } catch {
                logger.error("projection rebuild failed", metadata: ["projection": .string(name), "error": .string("\(error)")])
            }
        }
        return try JSONResponse.make(status, status: .accepted, headers: [.location: "/v1/admin/projections"])
    }

    /// `text/event-stream` of every event after `after` (or `Last-Event-ID`), then new ones as
    /// they are committed; a comment line every `heartbeat` keeps proxies from closing an idle
    /// stream. The stream ends when the client goes or the server shuts down.
    @Sendable func live(_ request: Request, context: Context) async throws -> Response {
        let admin = try context.requireRole(adminRole)
        var start = try QueryParameter.position(request, "after") ?? 0
        if let last = request.headers[.lastEventID] {
            guard let position = UInt64(last.trimmingCharacters(in: .whitespaces)) else {
                throw Problem(status: .badRequest, code: "invalid_parameter", detail: "header Last-Event-ID must be a log position")
            }
            start = position
        }
        let log = self.log
        let heartbeat = self.heartbeat
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Accel-Buffering")!] = "no"
        let from = start
        // The feed's place is held until its body ends (the client went, or shutdown).
        let slot = try feeds.acquire(for: admin.userId)
        let body = ResponseBody { writer in
            defer { slot.release() }
            let signals = LiveSignals(log: log, heartbeat: heartbeat)
            defer { signals.stop() }
            var position = from
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            try await withGracefulShutdownHandler {
                for await signal in signals.stream {
                    switch signal {
                    case .heartbeat:
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    case .head(let head):
                        while position < head {
                            let from = position
                            let events = try await log.read { try $0.readAll(after: from, limit: 500) }
                            guard let last = events.last else { break }
                            var buffer = ByteBuffer()
                            for event in events { buffer.writeBytes(try Self.serverSentEvent(event)) }
                            try await writer.write(buffer)
                            position = last.position
                        }
                    }
                }
            } onGracefulShutdown: {
                signals.stop()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// One event as an SSE message: `id:` its position, `event:` its type, `data:` its JSON.
    static func serverSentEvent(_ event: RecordedEvent) throws -> [UInt8] {
        let json = try KitCoding.encode(EventBody(event))
        return Array("id: \(event.position)\nevent: \(event.type)\ndata: ".utf8) + json + Array("\n\n".utf8)
    }
}

/// What wakes a live feed: a new head of the log, or time for a heartbeat.
enum LiveSignal: Sendable {
    case head(UInt64)
    case heartbeat
}

/// The log's heads merged with a heartbeat timer.
final class LiveSignals: Sendable {
    let stream: AsyncStream<LiveSignal>
    private let continuation: AsyncStream<LiveSignal>.Continuation
    private let tasks: [Task<Void, Never>]

    init(log: any HeadFeed, heartbeat: Duration) {
        let (stream, continuation) = AsyncStream.makeStream(of: LiveSignal.self, bufferingPolicy: .unbounded)
        self.stream = stream
        self.continuation = continuation
        let heads = Task {
            for await head in log.headPositions() { continuation.yield(.head(head)) }
            continuation.finish()
        }
        let beats = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                if !Task.isCancelled { continuation.yield(.heartbeat) }
            }
        }
        tasks = [heads, beats]
        continuation.onTermination = { _ in
            heads.cancel()
            beats.cancel()
        }
    }

    /// Ends the stream (the client left, or the server is shutting down).
    func stop() {
        for task in tasks { task.cancel() }
        continuation.finish()
    }
}

extension HTTPField.Name {
    /// `Last-Event-ID`: where an SSE client resumes.
    public static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
