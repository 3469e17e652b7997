import Hummingbird
import Logging
import StrataHTTP
import StrataKit

/// A domain's HTTP side, as a server lists it: the kit modules it needs in the app, and its
/// routes. The server adds them behind the kit's middleware; a module never sees another's.
public protocol RouteModule: Sendable {
    /// The modules whose events and projections the routes need.
    var modules: [any StrataModule] { get }
    /// Adds the routes to `router`, over the started app of `context`.
    ///
    /// - Throws: when the app lacks a module the routes need (``AppError``).
    func addRoutes(to router: Router<StrataRequestContext>, context: RouteContext) throws
}

/// What a module's routes are built with: the started app and the parts of the server they share.
public struct RouteContext: Sendable {
    /// The started app of every module of the server.
    public let app: StrataApp
    /// Wraps command handlers so they take `Idempotency-Key`.
    public let commands: CommandRoutes
    /// The server's cache of GET answers, emptied as projections report changes.
    public let cache: ResponseCache
    /// `Strata-Min-Position` waits, for routes over async projections.
    public let consistency: ConsistencyWait
    /// The role of admins (``CallerDirectory/adminRole``).
    public let adminRole: String
    public let logger: Logger
}
