import StrataKit
/// What the shop's decisions refuse. The HTTP edge maps each to its status and problem code.
public enum ShopError: Error, Sendable, Hashable {
    /// No such product or order — or one the caller may not see.
    case notFound
    /// A product or order with that id exists already.
    case alreadyExists
    /// The sku belongs to another product.
    case skuTaken
    /// Not enough stock for these products (ids).
    case insufficientStock(productIds: [String])
    /// These products do not exist or are discontinued (ids).
    case unavailableProducts(productIds: [String])
    /// The resource is not in a state that allows this (the message says which).
    case invalidState(String)
    /// The caller is signed in but not allowed.
    case forbidden
    /// An `If-Match` version does not match the resource's current version.
    case versionMismatch(current: UInt64)
    /// Input the domain does not accept: every failing field.
    case invalidInput([FieldIssue])
}
