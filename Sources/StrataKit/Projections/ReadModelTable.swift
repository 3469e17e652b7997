/// The name of one of a projection's tables, shared by the projection that writes it and the
/// queries that read it (`ProductsProjection.byId`). Its stored name adds the projection and the
/// generation (`rm.products.1.byId`).
public struct ReadModelTable: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public init(stringLiteral name: String) {
        self.name = name
    }

    public var description: String { name }
}
