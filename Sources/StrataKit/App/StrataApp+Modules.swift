import StrataStore

extension StrataApp {
    static let settings = KitTable(name: "kit.settings")
    static let modulesKey = Array("modules".utf8)

    /// The names of the modules the last server on `store` ran (the kit's left out), in order;
    /// `nil` for a store no server of this version has started. Tools compose the same modules
    /// from it, so they know every projection of the store they open.
    public static func recordedModules(in store: any EventStore) throws -> [String]? {
        try store.withSnapshot { try recordedModules(in: $0, store: store) }
    }

    private static func recordedModules(in snapshot: any StoreSnapshot, store: any EventStore) throws -> [String]? {
        try settings.get(modulesKey, from: snapshot, in: store).map { bytes in
            String(decoding: bytes, as: UTF8.self).split(separator: ",").map(String.init)
        }
    }

    /// Records the app's module names in the kit's settings when they changed. The read goes
    /// through the store's `read`, off the cooperative pool where it is a round trip.
    func recordModules() async throws {
        let names = modules.filter { !($0 is KitModule) }.map(\.name)
        guard !store.traits.isReadOnly else { return }
        let store = store
        guard try await store.read({ try Self.recordedModules(in: $0, store: store) }) != names else { return }
        let value = Array(names.joined(separator: ",").utf8)
        _ = try await store.perform { transaction in
            try transaction.put(try Self.settings.open(in: transaction), key: Self.modulesKey, value: value)
        }
    }
}
