import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataKit

/// Who made a request: the claims of its verified access token.
public struct Identity: Sendable, Hashable {
    public var userId: String
    public var role: String
    /// The session the token was issued for.
    public var sessionId: String?

    public init(userId: String, role: String, sessionId: String?) {
        self.userId = userId
        self.role = role
        self.sessionId = sessionId
    }
}

/// What Strata's middleware needs of a request context.
public protocol StrataRequestContextProtocol: RequestContext {
    /// The request's id (the client's `Strata-Request-Id` when sane, else a fresh one).
    var requestID: String { get set }
    /// The authenticated caller, once ``AuthenticationMiddleware`` verified a token.
    var identity: Identity? { get set }
    /// The client's address, for rate limiting (`unknown` when the transport has none).
    var clientAddress: String { get }
    /// The most bytes a request body may have, set by ``RequestLimitsMiddleware`` (1 MiB by default).
    var bodyLimit: Int { get set }
    /// The request's W3C `traceparent` when it sent a valid one (``RequestIDMiddleware``).
    var traceparent: String? { get set }
}

extension StrataRequestContextProtocol {
    /// The caller, or a 401.
    public func requireIdentity() throws -> Identity {
        guard let identity else { throw Problem.unauthorized() }
        return identity
    }

    /// The metadata of the events a command of this request appends: the request id as correlation
    /// and causation id, who issued it, and the request's trace context.
    public func eventMetadata(userId: String?) -> EventMetadata {
        EventMetadata(correlationId: requestID, causationId: requestID, userId: userId, traceparent: traceparent)
    }

    /// The caller if they have `role`; 401 without a caller, 403 with another role.
    public func requireRole(_ role: String) throws -> Identity {
        try requireRole(in: [role])
    }

    /// The caller if they have one of `roles`; 401 without a caller, 403 with another role.
    public func requireRole(in roles: [String]) throws -> Identity {
        let identity = try requireIdentity()
        guard roles.contains(identity.role) else { throw Problem.forbidden }
        return identity
    }
}

/// The request context of Strata's applications.
public struct StrataRequestContext: StrataRequestContextProtocol {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var identity: Identity?
    public let clientAddress: String
    public var bodyLimit = JSONBody.defaultLimit
    public var traceparent: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies are limited to ``bodyLimit`` (1 MiB by default, answered with 413).
    public var maxUploadSize: Int { bodyLimit }
}

extension HTTPField.Name {
    /// `Strata-Request-Id`: echoed or generated on every response.
    public static let strataRequestID = HTTPField.Name("Strata-Request-Id")!
    /// `Strata-Position`: the log position a response reflects or a command reached.
    public static let strataPosition = HTTPField.Name("Strata-Position")!
    /// `Strata-Min-Position`: wait until read models reach it.
    public static let strataMinPosition = HTTPField.Name("Strata-Min-Position")!
}
