import Hummingbird
import Ledger
import StrataHTTP
import StrataKit
import StrataServer

/// The ledger's HTTP side, as a server lists it: `/v1/ledger` over the ``LedgerModule``.
public struct LedgerRoutes: RouteModule {
    public init() {}

    public var modules: [any StrataModule] { [LedgerModule()] }

    public func addRoutes(to router: Router<StrataRequestContext>, context: RouteContext) throws {
        LedgerController(ledger: try LedgerService(app: context.app), commands: context.commands, consistency: context.consistency, adminRole: context.adminRole)
            .addRoutes(to: router.group("/v1/ledger"))
    }
}
