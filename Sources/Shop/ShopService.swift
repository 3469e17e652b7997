import Foundation
import Logging
import StrataKit
import StrataStore

/// The shop's application service: every command of the domain, run through the app's
/// ``CommandExecutor``, and every query, read from the projections. The HTTP layer and the tools
/// call this; it knows nothing of HTTP.
public struct ShopService: Sendable {
    /// The app the shop's module runs in: its store, projections and invalidations.
    public let app: StrataApp

    var runner: ProjectionRunner { app.runner }
    var executor: CommandExecutor { app.executor }

    /// The shop over an app that has the ``ShopModule``.
    ///
    /// - Throws: ``AppError`` when it has not.
    public init(app: StrataApp) throws {
        guard app.module(ShopModule.self) != nil else { throw AppError("the app has no shop module") }
        self.app = app
    }

    /// A new id for a product or order: a time-ordered UUID in lower case.
    public static func newId() -> String { UUIDv7.makeString() }

    /// Stops the app's async projections.
    public func stop() async { await app.stop() }

    static func skuValue(_ sku: String) -> UniqueValue { UniqueValue(kind: "sku", value: sku) }

    static func checkVersion(_ expected: UInt64?, _ current: UInt64) throws {
        if let expected, expected != current { throw ShopError.versionMismatch(current: current) }
    }
}

extension ShopService {
    /// Runs `queries` where they may wait for the store (``EventStore/offload(_:)``): async code
    /// such as an HTTP handler asks through this, so that on a database server no cooperative
    /// thread waits for a round trip.
    public func reading<T: Sendable>(_ queries: @escaping @Sendable (ShopService) throws -> T) async throws -> T {
        try await app.store.offload { [self] in try queries(self) }
    }
}
