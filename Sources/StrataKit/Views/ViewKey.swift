/// The name of a kind of cached view (`product`), shared by the projection that reports its
/// changes and the code that caches it.
public struct ViewName: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The view's name.
    public let name: String

    /// A view called `name`.
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

    /// The name.
    public var description: String { name }
}

/// Names one cached view: a view (such as `"product"`) and a key within it (the product id).
public struct ViewKey: Sendable, Hashable, CustomStringConvertible {
    /// The view's name.
    public var view: String
    /// Which instance of the view (an id, or `all`).
    public var key: String

    /// The instance `key` of `view`.
    public init(view: String, key: String) {
        self.view = view
        self.key = key
    }

    /// `view/key`.
    public var description: String { "\(view)/\(key)" }
}
