import Foundation
import HTTPTypes
import Hummingbird
import StrataKit

/// Parked events of a projection: listed, retried one by one, or skipped on record.
extension AdminController {
    struct ParkedItem: Encodable {
        var position: UInt64
        var streamId: String?
        var type: String
        var error: String
        var attempts: Int
        var parkedAt: Date?

        init(_ event: ParkedEvent) {
            position = event.position
            streamId = event.streamId
            type = event.type
            error = event.error
            attempts = event.attempts
            parkedAt = event.parkedAt
        }

        private enum CodingKeys: String, CodingKey { case position, streamId, type, error, attempts, parkedAt }

        /// Unknown parts (rows parked before they were kept) are `null`.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(position, forKey: .position)
            try container.encode(streamId, forKey: .streamId)
            try container.encode(type, forKey: .type)
            try container.encode(error, forKey: .error)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(parkedAt, forKey: .parkedAt)
        }
    }

    /// The projection named in the path; 404 for an unknown one.
    private func projectionName(_ context: Context) throws -> String {
        let name = try context.parameters.require("name")
        guard runner.mode(of: name) != nil else { throw Problem.notFound("no projection \(name)") }
        return name
    }

    /// The parked position named in the path; 404 when it is not a position.
    private func parkedPosition(_ context: Context) throws -> UInt64 {
        guard let position = UInt64(try context.parameters.require("position")) else { throw Problem.notFound("no such parked event") }
        return position
    }

    /// `GET /v1/admin/projections/{name}/parked?after=&limit=`
    @Sendable func parked(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try projectionName(context)
        let after = try QueryParameter.position(request, "after") ?? 0
        let limit = try QueryParameter.integer(request, "limit", in: 1...1000, default: 100)
        let found = try await log.offload { [runner] in try runner.parkedEvents(name, after: after, limit: limit + 1) }
        let page = Array(found.prefix(limit))
        return try JSONResponse.make(Listing(items: page.map(ParkedItem.init), next: found.count > limit ? page.last.map { String($0.position) } : nil))
    }

    /// `POST /v1/admin/projections/{name}/parked/{position}/retry`: 200 with the projection's
    /// status when it applied; 409 with the new error when it failed again (still parked).
    @Sendable func retryParked(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try projectionName(context)
        let position = try parkedPosition(context)
        switch try await runner.retryParked(name, position: position) {
        case nil:
            throw Problem.notFound("no event of \(name) is parked at \(position)")
        case .stillFailing(let event)?:
            throw Problem(status: .conflict, code: "conflict", detail: "the event still fails and stays parked: \(event.error)")
        case .applied?:
            guard let status = try await log.offload({ try runner.status() }).first(where: { $0.name == name }) else { throw Problem.notFound("no projection \(name)") }
            return try JSONResponse.make(status)
        }
    }

    /// `POST /v1/admin/projections/{name}/parked/{position}/skip`: 204, recorded in `kit.skipped`.
    @Sendable func skipParked(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try projectionName(context)
        let position = try parkedPosition(context)
        guard try await runner.skipParked(name, position: position) else { throw Problem.notFound("no event of \(name) is parked at \(position)") }
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }
}
