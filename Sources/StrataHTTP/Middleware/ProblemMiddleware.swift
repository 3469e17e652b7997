import Foundation
import HTTPTypes
import Hummingbird
import Logging
import StrataKit
import StrataStore

/// Turns every error into an `application/problem+json` answer, once, at the edge: a
/// ``Problem`` as it is, a ``ProblemConvertible`` by its mapping, the store's and Hummingbird's
/// own errors by theirs, and anything else into a 500 that leaks nothing (logged with the
/// request id). Error answers are `Cache-Control: no-store`.
public struct ProblemMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem.status == 500 {
                logger.error("request failed", metadata: ["request.id": .string(context.requestID), "error": .string("\(error)")])
            }
            return Self.response(problem)
        }
    }

    /// The problem answer of an error.
    public static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let convertible as any ProblemConvertible:
            return convertible.problem
        case let error as EventStoreError where error.code == .storeFull:
            return Problem(
                status: .init(code: 507, reasonPhrase: "Insufficient Storage"),
                code: "store_full",
                detail: "the store is full; nothing was written"
            )
        case let error as EventStoreError where error.code == .unavailable:
            return .storeUnavailable
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound()
            case .methodNotAllowed:
                return Problem(
                    status: .methodNotAllowed,
                    code: "method_not_allowed",
                    detail: "this method is not allowed here",
                    headers: error.headers[.allow].map { ["Allow": $0] } ?? [:]
                )
            case .contentTooLarge: return .payloadTooLarge(limit: JSONBody.defaultLimit)
            case .unsupportedMediaType: return .unsupportedMediaType
            case .badRequest: return .malformedJSON(error.body ?? "the request is malformed")
            case .unauthorized: return .unauthorized()
            case .forbidden: return .forbidden
            default:
                return error.status.code >= 500
                    ? .internalError : Problem(status: error.status, code: "bad_request", detail: error.status.reasonPhrase)
            }
        default:
            return .internalError
        }
    }

    /// The response of a problem.
    public static func response(_ problem: Problem) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        for (name, value) in problem.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let body = (try? KitCoding.encode(problem)) ?? []
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
