import Foundation
import Logging
import StrataKit
import StrataStore

/// The shop's application service: every command of the domain, run through the kit's
/// ``CommandExecutor``, and every query, read from the projections. The HTTP layer and the tools
/// call this; it knows nothing of HTTP.
public struct ShopService: Sendable {
    public let log: any EventStore
    public let registry: EventRegistry
    public let executor: CommandExecutor
    public let runner: ProjectionRunner
    public let keys: KeyStore
    public let hasher: UniqueValueHasher
    public let cache: ViewCache

    /// Every event type of the shop (and the kit's reservations), with the personal-data cipher.
    public static func registry(cipher: (any PersonalDataCipher)?) throws -> EventRegistry {
        var registry = EventRegistry()
        let types: [any Event.Type] = [
            UserRegistered.self, UserRenamed.self, UserDeactivated.self, UserErased.self,
            SessionStarted.self, SessionRefreshed.self, SessionRevoked.self,
            ProductCreated.self, ProductUpdated.self, ProductRestocked.self, ProductDiscontinued.self, StockReserved.self, StockReleased.self,
            OrderPlaced.self, OrderPaid.self, OrderCancelled.self, OrderShipped.self,
            UniqueValueReserved.self, UniqueValueReleased.self,
        ]
        for type in types { try registry.register(type) }
        if let cipher { registry.setCodingInfo(cipher, forKey: .personalDataCipher) }
        return registry
    }

    /// The shop's projections.
    public static func projections(hasher: UniqueValueHasher) -> [any Projection] {
        [UsersProjection(hasher: hasher), SessionsProjection(), ProductsProjection(), OrdersProjection(), SalesProjection()]
    }

    /// Wires the shop onto an open log and key store and starts its projections.
    public static func start(
        log: any EventStore,
        keys: KeyStore,
        cache: ViewCache = ViewCache(),
        logger: Logger = Logger(label: "strata.shop")
    ) async throws
        -> ShopService
    {
        let hasher = try await UniqueValueHasher.open(in: log)
        let registry = try registry(cipher: AESGCMCipher(keys: keys))
        let runner = try ProjectionRunner(log: log, registry: registry, projections: projections(hasher: hasher), cache: cache, logger: logger)
        try await runner.start()
        let shop = ShopService(
            log: log,
            registry: registry,
            executor: CommandExecutor(log: log, registry: registry, hasher: hasher),
            runner: runner,
            keys: keys,
            hasher: hasher,
            cache: cache
        )
        // A crash may have come between an erasure's commit and its key's destruction.
        try await shop.finishPendingErasures()
        return shop
    }

    /// Stops the async projections.
    public func stop() async { await runner.stop() }

    static func emailValue(_ email: String) -> UniqueValue {
        UniqueValue(kind: "email", value: email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
    }

    static func skuValue(_ sku: String) -> UniqueValue { UniqueValue(kind: "sku", value: sku) }

    private static func checkVersion(_ expected: UInt64?, _ current: UInt64) throws {
        if let expected, expected != current { throw ShopError.versionMismatch(current: current) }
    }

    // MARK: Users

    /// Registers a user (the email is stored lower-cased); its key is created first.
    public func registerUser(
        id: String,
        name: String,
        email: String,
        role: Role,
        passwordHash: String,
        metadata: EventMetadata
    ) async throws
        -> CommandResult<Void>
    {
        let email = Self.emailValue(email).value
        try await keys.createKey(for: id)
        return try await executor.execute(metadata: metadata) { context in
            let events = try context.load(User.self, id: id).register(id: id, name: name, email: email, role: role, passwordHash: passwordHash)
            do {
                try context.reserve(Self.emailValue(email), for: id)
            } catch is UniqueValueTaken {
                throw ShopError.emailTaken
            }
            try context.append(events, to: User.self, id: id)
        }
    }

    /// Renames a user.
    public func renameUser(id: String, name: String, metadata: EventMetadata) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata) { context in
            try context.append(try context.load(User.self, id: id).rename(to: name), to: User.self, id: id)
        }
    }

    /// Deactivates a user and revokes their sessions.
    public func deactivateUser(id: String, metadata: EventMetadata) async throws -> CommandResult<Void> {
        let sessions = try sessionIds(of: id)
        return try await executor.execute(metadata: metadata) { context in
            let events = try context.load(User.self, id: id).deactivate()
            guard !events.isEmpty else { return }
            try context.append(events, to: User.self, id: id)
            for session in sessions {
                try context.append(try context.load(Session.self, id: session).revoke(.userDeactivated), to: Session.self, id: session)
            }
        }
    }

    /// The table of erasures whose key destruction has not finished: written with `UserErased`,
    /// emptied once the key is gone, so a crash in between is finished at the next start.
    static let pendingErasures = "shop.pendingErasures"

    /// Erases a user: releases their email, revokes their sessions and appends `UserErased`; then
    /// destroys their key and rewrites the key store compacted, so their personal data can no
    /// longer be read anywhere — log, read models, exports, or backups taken afterwards.
    public func eraseUser(id: String, metadata: EventMetadata) async throws -> CommandResult<Void> {
        let sessions = try sessionIds(of: id)
        let result = try await executor.execute(
            metadata: metadata,
            afterAppend: { _, _, transaction in
                try transaction.put(try transaction.table(named: Self.pendingErasures), key: Array(id.utf8), value: [])
            }
        ) { context in
            let user = try context.load(User.self, id: id)
            let events = try user.erase()
            guard !events.isEmpty else { return }
            if let email = user.email { try context.release(Self.emailValue(email), from: id) }
            try context.append(events, to: User.self, id: id)
            for session in sessions {
                try context.append(try context.load(Session.self, id: session).revoke(.userErased), to: Session.self, id: session)
            }
        }
        try await finishErasure(of: id)
        cache.invalidate([ViewKey(view: "user", key: id)], at: result.position)
        return result
    }

    /// Destroys the key of an erased user and clears its pending row.
    func finishErasure(of id: String) async throws {
        try await keys.destroyKey(for: id)
        _ = try await log.write { transaction in
            try transaction.delete(try transaction.table(named: Self.pendingErasures), key: Array(id.utf8))
        }
    }

    /// Finishes erasures that a crash interrupted after `UserErased` was committed.
    func finishPendingErasures() async throws {
        let pending = try await log.perform { transaction in
            let table = try transaction.table(named: Self.pendingErasures)
            var ids: [String] = []
            try transaction.scan(table) { key, _ in
                ids.append(String(decoding: key, as: UTF8.self))
                return true
            }
            return ids
        }.value
        for id in pending { try await finishErasure(of: id) }
    }

    // MARK: Sessions

    /// Starts a session for an active user.
    public func startSession(
        id: String,
        userId: String,
        refreshTokenHash: String,
        expiresAt: Date,
        metadata: EventMetadata
    ) async throws
        -> CommandResult<Void>
    {
        try await executor.execute(metadata: metadata) { context in
            guard try context.load(User.self, id: userId).canSignIn else { throw ShopError.invalidSession }
            try context.requireUnchanged(User.self, id: userId)
            let events = try context.load(Session.self, id: id).start(
                id: id,
                userId: userId,
                refreshTokenHash: refreshTokenHash,
                expiresAt: expiresAt
            )
            try context.append(events, to: Session.self, id: id)
        }
    }

    /// Exchanges a refresh token for a new one. A token already rotated revokes the whole session;
    /// like every other invalid token it is refused with ``ShopError/invalidSession``.
    public func refreshSession(
        presentedHash: String,
        newHash: String,
        expiresAt: Date,
        now: Date = Date(),
        metadata: EventMetadata
    ) async throws
        -> CommandResult<SessionRecord>
    {
        guard let record = try session(tokenHash: presentedHash) else { throw ShopError.invalidSession }
        let result = try await executor.execute(metadata: metadata) { context -> Bool in
            let session = try context.load(Session.self, id: record.sessionId)
            let active = try context.load(User.self, id: record.userId).canSignIn
            switch session.refresh(presentedHash: presentedHash, newHash: newHash, newExpiresAt: expiresAt, now: now, userActive: active) {
            case .rotate(let events):
                try context.append(events, to: Session.self, id: record.sessionId)
                return true
            case .revokeForReuse(let events):
                try context.append(events, to: Session.self, id: record.sessionId)
                return false
            case .refuse:
                throw ShopError.invalidSession
            }
        }
        guard result.value else { throw ShopError.invalidSession }
        return CommandResult(
            value: SessionRecord(sessionId: record.sessionId, userId: record.userId, state: .current),
            append: result.append,
            position: result.position
        )
    }

    /// Ends a session (signing out).
    public func revokeSession(id: String, reason: RevocationReason, metadata: EventMetadata) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata) { context in
            try context.append(try context.load(Session.self, id: id).revoke(reason), to: Session.self, id: id)
        }
    }

    // MARK: Products

    /// Adds a product; its sku must be unused.
    public func createProduct(
        id: String,
        sku: String,
        name: String,
        description: String,
        priceCents: Int,
        stock: Int,
        metadata: EventMetadata
    )
        async throws -> CommandResult<Void>
    {
        try await executor.execute(metadata: metadata) { context in
            let events = try context.load(Product.self, id: id).create(
                id: id,
                sku: sku,
                name: name,
                description: description,
                priceCents: priceCents,
                stock: stock
            )
            do {
                try context.reserve(Self.skuValue(sku), for: id)
            } catch is UniqueValueTaken {
                throw ShopError.skuTaken
            }
            try context.append(events, to: Product.self, id: id)
        }
    }

    /// Changes a product's name, description or price; `expectedVersion` is an `If-Match`.
    public func updateProduct(
        id: String,
        name: String?,
        description: String?,
        priceCents: Int?,
        expectedVersion: UInt64?,
        metadata: EventMetadata
    ) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata) { context in
            let product = try context.load(Product.self, id: id)
            guard product.exists else { throw ShopError.notFound }
            try Self.checkVersion(expectedVersion, try context.version(of: Product.self, id: id))
            try context.append(try product.update(name: name, description: description, priceCents: priceCents), to: Product.self, id: id)
        }
    }

    /// Adds units to a product's stock.
    public func restockProduct(id: String, quantity: Int, expectedVersion: UInt64?, metadata: EventMetadata) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata) { context in
            let product = try context.load(Product.self, id: id)
            guard product.exists else { throw ShopError.notFound }
            try Self.checkVersion(expectedVersion, try context.version(of: Product.self, id: id))
            try context.append(try product.restock(quantity: quantity), to: Product.self, id: id)
        }
    }

    /// Discontinues a product.
    public func discontinueProduct(id: String, expectedVersion: UInt64?, metadata: EventMetadata) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata) { context in
            let product = try context.load(Product.self, id: id)
            guard product.exists else { throw ShopError.notFound }
            try Self.checkVersion(expectedVersion, try context.version(of: Product.self, id: id))
            try context.append(try product.discontinue(), to: Product.self, id: id)
        }
    }

    // MARK: Orders

    /// Places an order, reserving stock on every product in the same atomic append. Concurrent
    /// orders never oversell; contention is retried, then decided on the writer.
    public func placeOrder(
        id: String,
        userId: String,
        items: [Order.Item],
        metadata: EventMetadata,
        afterAppend: (@Sendable (Void, AppendResult, any StoreTransaction) throws -> Void)? = nil
    ) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, afterAppend: afterAppend) { context in
            var products: [String: Product] = [:]
            for item in items { products[item.productId] = try context.load(Product.self, id: item.productId) }
            let (order, reservations) = try context.load(Order.self, id: id).place(id: id, userId: userId, items: items, products: products)
            for item in items {
                try context.append(reservations[item.productId] ?? [], to: Product.self, id: item.productId)
            }
            try context.append(order, to: Order.self, id: id)
        }
    }

    /// Pays an order (its owner only).
    public func payOrder(id: String, by userId: String, expectedVersion: UInt64? = nil, metadata: EventMetadata) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata) { context in
            let order = try context.load(Order.self, id: id)
            let events = try order.pay(by: userId)
            try Self.checkVersion(expectedVersion, try context.version(of: Order.self, id: id))
            try context.append(events, to: Order.self, id: id)
        }
    }

    /// Cancels an order (its owner or an admin) and puts its stock back.
    public func cancelOrder(
        id: String,
        by userId: String,
        isAdmin: Bool,
        expectedVersion: UInt64? = nil,
        metadata: EventMetadata
    ) async throws
        -> CommandResult<Void>
    {
        try await executor.execute(metadata: metadata) { context in
            let (events, releases) = try context.load(Order.self, id: id).cancel(by: userId, isAdmin: isAdmin)
            try Self.checkVersion(expectedVersion, try context.version(of: Order.self, id: id))
            try context.append(events, to: Order.self, id: id)
            for (productId, quantity) in releases.sorted(by: { $0.key < $1.key }) {
                try context.append(try context.load(Product.self, id: productId).release(quantity, from: id), to: Product.self, id: productId)
            }
        }
    }

    /// Ships a paid order (admins).
    public func shipOrder(id: String, expectedVersion: UInt64? = nil, metadata: EventMetadata) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata) { context in
            let events = try context.load(Order.self, id: id).ship()
            try Self.checkVersion(expectedVersion, try context.version(of: Order.self, id: id))
            try context.append(events, to: Order.self, id: id)
        }
    }
}
