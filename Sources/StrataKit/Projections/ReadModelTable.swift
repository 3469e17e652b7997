/// The name of one of a projection's tables, shared by the projection that writes it and the
/// queries that read it (`ProductsProjection.byId`). Its stored name adds the projection and the
/// generation (`rm.products.1.byId`).
public struct ReadModelTable: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The table's logical name within its projection.
    public let name: String
    /// Whether each row keeps its record's version ahead of its JSON (``VersionedRow``), so that
    /// a read hands out the stored JSON and the version without parsing it.
    public let holdsVersions: Bool

    /// A table called `name`, whose rows keep their record's version ahead of the JSON when `holdsVersions`.
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

    /// The logical name.
    public var description: String { name }
}
