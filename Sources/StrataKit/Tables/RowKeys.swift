import Foundation

/// Key encodings for read-model tables, shared by every module: text, grouped pairs, newest
/// first, and the opaque cursors of paged listings.
public enum RowKeys {
    /// The UTF-8 bytes of `value`.
    public static func text(_ value: String) -> [UInt8] { Array(value.utf8) }

    /// `a · 0x00 · b`: groups by `a`, ordered by `b`.
    public static func pair(_ first: String, _ second: [UInt8]) -> [UInt8] { Array(first.utf8) + [0] + second }

    /// Newest first: positions inverted, big-endian.
    public static func newestFirst(_ position: UInt64) -> [UInt8] {
        withUnsafeBytes(of: (UInt64.max - position).bigEndian) { Array($0) }
    }

    /// Oldest first: positions big-endian.
    public static func oldestFirst(_ position: UInt64) -> [UInt8] {
        withUnsafeBytes(of: position.bigEndian) { Array($0) }
    }

    /// A key as an opaque cursor a client hands back for the next page: base64url, unpadded.
    public static func cursor(_ key: [UInt8]) -> String {
        Data(key).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The key of a cursor made by ``cursor(_:)``; `nil` when it is not one.
    public static func key(ofCursor cursor: String) -> [UInt8]? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
    }
}

/// One page of a listing and the cursor for the next (`nil` on the last page).
public struct Page<Item: Sendable>: Sendable {
    /// The page's items, in the listing's order.
    public var items: [Item]
    /// The opaque cursor of the next page, `nil` on the last.
    public var next: String?
    /// The log position the listing reflects.
    public var position: UInt64

    /// A page of `items` reflecting the log at `position`.
    public init(items: [Item], next: String?, position: UInt64) {
        self.items = items
        self.next = next
        self.position = position
    }
}
