import Foundation
import HTTPTypes
import Hummingbird
import StrataKit
import StrataStore

/// Builds JSON answers with the headers the API promises.
public enum Responses {
    /// A command's answer: the resource, `Strata-Position`, and `Cache-Control: no-store`.
    public static func command(
        _ value: some Encodable,
        status: HTTPResponse.Status = .ok,
        position: UInt64,
        etag: String? = nil,
        location: String? = nil
    )
        throws -> StoredAnswer
    {
        var headers: HTTPFields = [.strataPosition: String(position)]
        if let etag { headers[.eTag] = etag }
        if let location { headers[.location] = location }
        return try StoredAnswer.json(value, status: status, headers: headers)
    }

    /// A command's answer whose body is JSON already encoded (a read model's row).
    public static func command(json: [UInt8], status: HTTPResponse.Status, position: UInt64, etag: String, location: String? = nil) -> StoredAnswer {
        var headers: HTTPFields = [.contentType: JSONResponse.contentType, .cacheControl: "no-store", .strataPosition: String(position), .eTag: etag]
        if let location { headers[.location] = location }
        return StoredAnswer(status: status, headers: headers, body: json)
    }

    /// A command's answer without a body.
    public static func noContent(position: UInt64) -> StoredAnswer {
        StoredAnswer(status: .noContent, headers: [.strataPosition: String(position), .cacheControl: "no-store"], body: [])
    }

    /// Renders ``noContent(position:)``: for ``CommandOptions/answer(on:render:_:)``.
    public static let noContentAnswer: @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer = { position, _ in noContent(position: position) }

    /// The version an `If-Match: "<version>"` names; `nil` without the header, 412 when it is not a version.
    public static func expectedVersion(_ request: Request) throws -> UInt64? {
        guard let header = request.headers[.ifMatch] else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let bare = trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed
        guard bare.hasPrefix("\""), bare.hasSuffix("\""), bare.count >= 3, let version = UInt64(bare.dropFirst().dropLast()) else {
            throw Problem(status: .preconditionFailed, code: "precondition_failed", detail: "If-Match must be the resource's ETag")
        }
        return version
    }
}
