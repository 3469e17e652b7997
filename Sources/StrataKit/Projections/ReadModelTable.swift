/// The name of one of a projection's tables, shared by the projection that writes it and the
/// queries that read it (`ProductsProjection.byId`). Its stored name adds the projection and the
/// generation (`rm.products.1.byId`).
public struct ReadModelTable: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String
    /// Whether each row keeps its record's version ahead of its JSON (``VersionedRow``), so that
    /// a read hands out the stored JSON and the version without parsing it.
    public let holdsVersions: Bool

    public init(_ name: String, holdsVersions: Bool = false) {
        self.name = name
        self.holdsVersions = holdsVersions
    }

    public init(stringLiteral name: String) {
        self.init(name)
    }

    /// A table whose rows are ``VersionedRecord``s stored with their version.
    public static func versioned(_ name: String) -> ReadModelTable {
        ReadModelTable(name, holdsVersions: true)
    }

    public var description: String { name }
}
