import Foundation
import HTTPTypes
import Hummingbird

/// One failing field of a request body.
public struct FieldError: Codable, Sendable, Hashable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// An error answer as RFC 9457 `application/problem+json`, with a stable machine-readable `code`
/// and, for validation failures, every failing field. Thrown anywhere in a handler;
/// ``ProblemMiddleware`` renders it.
public struct Problem: Error, Codable, Sendable, Hashable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: String
    public var errors: [FieldError]?
    /// Extra headers of the answer (`WWW-Authenticate`, `Retry-After`, `Allow`); not in the body.
    public var headers: [String: String]

    private enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code, errors
    }

    public init(status: HTTPResponse.Status, code: String, detail: String, errors: [FieldError]? = nil, headers: [String: String] = [:]) {
        self.type = "https://strata.dev/problems/\(code.replacingOccurrences(of: "_", with: "-"))"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = code
        self.errors = errors
        self.headers = headers
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        title = try container.decode(String.self, forKey: .title)
        status = try container.decode(Int.self, forKey: .status)
        detail = try container.decode(String.self, forKey: .detail)
        code = try container.decode(String.self, forKey: .code)
        errors = try container.decodeIfPresent([FieldError].self, forKey: .errors)
        headers = [:]
    }

    public static func validationFailed(_ errors: [FieldError]) -> Problem {
        Problem(status: .unprocessableContent, code: "validation_failed", detail: "the request body is not valid", errors: errors)
    }

    public static func malformedJSON(_ detail: String = "the request body is not well-formed JSON") -> Problem {
        Problem(status: .badRequest, code: "malformed_json", detail: detail)
    }

    public static func invalidParameter(_ name: String, _ message: String) -> Problem {
        Problem(status: .badRequest, code: "invalid_parameter", detail: "query parameter \(name) \(message)")
    }

    public static func unauthorized(_ detail: String = "a valid bearer token is required") -> Problem {
        Problem(status: .unauthorized, code: "unauthorized", detail: detail, headers: ["WWW-Authenticate": "Bearer"])
    }

    public static let forbidden = Problem(status: .forbidden, code: "forbidden", detail: "this needs another role")

    public static func notFound(_ detail: String = "no such resource") -> Problem {
        Problem(status: .notFound, code: "not_found", detail: detail)
    }

    public static func payloadTooLarge(limit: Int) -> Problem {
        Problem(status: .contentTooLarge, code: "payload_too_large", detail: "the request body is over \(limit) bytes")
    }

    public static let unsupportedMediaType = Problem(
        status: .unsupportedMediaType,
        code: "unsupported_media_type",
        detail: "send the body as application/json"
    )

    public static func rateLimited(retryAfter seconds: Int) -> Problem {
        Problem(
            status: .tooManyRequests,
            code: "rate_limited",
            detail: "too many attempts; try again in \(seconds) s",
            headers: ["Retry-After": String(seconds)]
        )
    }

    /// 503 `unavailable`: the store or its database cannot be reached now; nothing was written.
    public static let storeUnavailable = Problem(
        status: .serviceUnavailable,
        code: "unavailable",
        detail: "the store cannot be reached; nothing was written, try again",
        headers: ["Retry-After": "1"]
    )

    public static let internalError = Problem(
        status: .internalServerError,
        code: "internal",
        detail: "the server failed; the request id identifies it in the logs"
    )
}

/// An error that knows its problem answer: domain layers conform their errors in the API module,
/// so each is mapped once, at the edge.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}
