/// A page of a listing as the API shows it: `{items, next}`, where `next` is the `after` of the
/// following page and `null` on the last one.
public struct Listing<Item: Encodable>: Encodable {
    public var items: [Item]
    public var next: String?

    public init(items: [Item], next: String?) {
        self.items = items
        self.next = next
    }

    private enum CodingKeys: String, CodingKey { case items, next }

    /// `next` is written as `null` on the last page, never left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)
    }
}
