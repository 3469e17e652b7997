import Identity
import Shop
import StrataKit
import StrataStore

/// The shop's server's services over one started app of its modules (identity and shop), as
/// `strata-server` composes them, on an open store and key store.
public struct ShopServices: Sendable {
    public let app: StrataApp
    public let shop: ShopService
    public let users: IdentityService

    /// The modules of `strata-server`.
    public static let modules: [any StrataModule] = [IdentityModule(), ShopModule()]

    public static func start(
        log: any EventStore,
        keys: any PersonalDataKeys,
        snapshotEvery: UInt64 = StrataApp.defaultSnapshotEvery
    ) async throws -> ShopServices {
        let app = try await StrataApp.start(store: log, keys: keys, modules: modules, snapshotEvery: snapshotEvery)
        do {
            return ShopServices(app: app, shop: try ShopService(app: app), users: try await IdentityService.start(app: app))
        } catch {
            await app.stop()
            throw error
        }
    }

    /// Stops the app's projections.
    public func stop() async { await app.stop() }
}
