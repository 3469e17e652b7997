/// The name of a kind of cached view (`product`), shared by the projection that reports its
/// changes and the code that caches it.
public struct ViewName: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public init(stringLiteral name: String) {
        self.name = name
    }

    /// The view of one key (a product id).
    public func key(_ key: String) -> ViewKey {
        ViewKey(view: name, key: key)
    }

    public var description: String { name }
}

/// Names one cached view: a view (such as `"product"`) and a key within it (the product id).
public struct ViewKey: Sendable, Hashable, CustomStringConvertible {
    public var view: String
    public var key: String

    public init(view: String, key: String) {
        self.view = view
        self.key = key
    }

    public var description: String { "\(view)/\(key)" }
}
