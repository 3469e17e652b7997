import StrataKit

/// A cached response body: the encoded bytes, their ETag, and the log position they reflect.
public struct CachedView: Sendable, Hashable {
    public var body: [UInt8]
    public var etag: String
    public var position: UInt64

    public init(body: [UInt8], etag: String, position: UInt64) {
        self.body = body
        self.etag = etag
        self.position = position
    }
}

/// The materialized-view cache of response bodies: the kit's `ViewCache` holding
/// ``CachedView``s, emptied as projections report changes.
public typealias ResponseCache = ViewCache<CachedView>

extension ViewCache where Value == CachedView {
    /// Keeps `view` unless its key was invalidated after `view.position`; returns whether it was kept.
    @discardableResult
    public func store(_ view: CachedView, for key: ViewKey) -> Bool {
        store(view, size: view.body.count, position: view.position, for: key)
    }
}
