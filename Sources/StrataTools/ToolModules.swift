import Identity
import Ledger
import Shop
import StrataKit
import StrataStore

/// The modules the tools know, and which of them a store's server ran: `strata-replay` and
/// `strata-admin` compose those, so they know every projection of the store they open — the
/// shop's or the ledger's.
public enum ToolModules {
    /// Every module of the servers in this repository.
    public static let known: [any StrataModule] = [IdentityModule(), ShopModule(), LedgerModule()]
    /// The shop's server's modules: for stores whose server recorded none (older versions).
    public static let shopServer: [any StrataModule] = [IdentityModule(), ShopModule()]

    /// The modules `store`'s server recorded, in its order.
    ///
    /// - Throws: ``ToolError`` naming a module the tools do not know.
    public static func of(_ store: any EventStore) throws -> [any StrataModule] {
        guard let names = try StrataApp.recordedModules(in: store) else { return shopServer }
        return try names.map { name in
            guard let module = known.first(where: { $0.name == name }) else {
                throw ToolError("the store's server ran a module these tools do not know: \(name)")
            }
            return module
        }
    }
}
