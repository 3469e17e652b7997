import Hummingbird
import StrataKit
import StrataStore

/// The console's catalogue: event types with counts, streams by prefix, and everything one request did.
extension AdminController {
    struct TypeCatalog: Encodable {
        var types: [EventTypeSummary]
    }

    /// `GET /v1/admin/event-types`: every event type with its count and last position, by type.
    @Sendable func eventTypes(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        return try JSONResponse.make(TypeCatalog(types: try await log.read { try $0.eventTypes() }))
    }

    /// `GET /v1/admin/streams?prefix=&after=&limit=`: streams in id order with their versions.
    @Sendable func streams(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let prefix = request.uri.queryParameters.get("prefix").map { String($0) } ?? ""
        let after = request.uri.queryParameters.get("after").map { String($0) }
        let limit = try QueryParameter.integer(request, "limit", in: 1...1000, default: 100)
        guard prefix.utf8.count <= 255, !prefix.utf8.contains(0) else { throw Problem.invalidParameter("prefix", "must be at most 255 bytes") }
        if let after, after.isEmpty || after.utf8.count > 255 || after.utf8.contains(0) {
            throw Problem.invalidParameter("after", "must be a stream id")
        }
        let found = try await log.read { try $0.streams(prefix: prefix, after: after, limit: limit + 1) }
        let page = Array(found.prefix(limit))
        return try JSONResponse.make(Listing(items: page, next: found.count > limit ? page.last?.streamId : nil))
    }

    /// The events appended by request `correlationId` or caused by it, after `after`, in log order:
    /// through the kit's correlations projection (which trails the log by a batch at most).
    func correlatedEvents(_ correlationId: String, after: UInt64, limit: Int) async throws -> EventPage {
        guard runner.mode(of: CorrelationsProjection.projectionName) != nil else { return EventPage(events: [], next: nil) }
        let positions = try await log.offload { [runner] in
            try runner.read(CorrelationsProjection.projectionName) { reader in
                try CorrelationsProjection.positions(of: correlationId, in: reader, limit: .max)
            }
        }.filter { $0 > after }
        let page = Array(positions.prefix(limit))
        let events = try await log.read { snapshot in try page.compactMap { try snapshot.event(at: $0) } }
        return EventPage(events: events.map(EventBody.init), next: positions.count > limit ? page.last.map { String($0) } : nil)
    }
}
