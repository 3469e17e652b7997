import Identity
import StrataHTTP

/// The identity module is the server's directory of callers: a token outlives nothing, so
/// deactivated or erased users and ended sessions are refused at once.
extension IdentityService: CallerDirectory {
    public var adminRole: String { Role.admin.rawValue }

    public var serviceRole: String { Role.service.rawValue }

    public func mayAct(_ caller: StrataHTTP.Identity) async throws -> Bool {
        try await reading { try $0.mayAct(userId: caller.userId, sessionId: caller.sessionId) }
    }
}
