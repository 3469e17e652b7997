import HTTPTypes
import Hummingbird
import Synchronization

/// The routes of a router, as path patterns and methods, filled in once the routes are added.
public final class RouteTable: Sendable {
    private let entries = Mutex<[(pattern: [String], methods: Set<String>)]>([])

    public init() {}

    /// Records the router's routes (call after adding every route).
    public func fill<Context>(from router: Router<Context>) {
        var byPath: [String: Set<String>] = [:]
        for route in router.routes { byPath[route.path.description, default: []].insert(route.method.rawValue) }
        entries.withLock { entries in
            entries = byPath.map { (Self.components($0.key), $0.value) }
        }
    }

    /// The methods allowed on `path`, or `nil` when no route has that path.
    public func methods(for path: String) -> Set<String>? {
        let parts = Self.components(path)
        let found = entries.withLock { entries in
            entries.filter { entry in
                entry.pattern.count == parts.count
                    && zip(entry.pattern, parts).allSatisfy { pattern, part in Self.isCapture(pattern) ? !part.isEmpty : pattern == part }
            }
            .reduce(into: Set<String>()) { $0.formUnion($1.methods) }
        }
        return found.isEmpty ? nil : found
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    static func isCapture(_ component: String) -> Bool {
        component.hasPrefix(":") || (component.hasPrefix("{") && component.hasSuffix("}"))
    }
}

/// Answers a request whose path exists with another method as 405 `method_not_allowed`, with
/// `Allow` naming the methods that path takes (the router alone would say 404).
public struct MethodNotAllowedMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let routes: RouteTable

    public init(routes: RouteTable) {
        self.routes = routes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let methods = routes.methods(for: request.uri.path), !methods.contains(request.method.rawValue) else { throw error }
            throw Problem(
                status: .methodNotAllowed,
                code: "method_not_allowed",
                detail: "\(request.method.rawValue) is not allowed on this resource",
                headers: ["Allow": methods.sorted().joined(separator: ", ")]
            )
        }
    }
}
