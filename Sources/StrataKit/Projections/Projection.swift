import Foundation
import StrataStore

/// When a projection sees events.
public enum ProjectionMode: String, Codable, Sendable, Hashable {
    /// Applied inside the append's write transaction: never behind the log; an error in it fails
    /// the append.
    case inline
    /// Follows the log from its checkpoint in the background, a batch per transaction.
    case async
}

/// Turns events into read-model tables. Its name and version identify its tables: changing the
/// projection's code must bump `version`, which rebuilds it from the log.
public protocol Projection: Sendable {
    /// A stable name: `[a-z0-9_-]`, used in table names.
    var name: String { get }
    /// Bumped whenever `apply` changes what it writes.
    var version: Int { get }
    /// Inline (written in the command's transaction) or async (following the log).
    var mode: ProjectionMode { get }
    /// The (current) wire types it handles; others never reach `apply`.
    var eventTypes: Set<String> { get }
    /// Its tables, by the names it and its queries share.
    var tables: [ReadModelTable] { get }
    /// The cached views it feeds (dropped whole when it is rebuilt).
    var views: Set<ViewName> { get }
    /// Applies one event. Must be deterministic: a rebuild must give the same bytes. Report every
    /// cached view it changes with ``ProjectionStore/changed(_:)``.
    func apply(_ envelope: Envelope, to store: ProjectionStore) throws
}

/// A projection that reads only where events are and their metadata, never their data (the
/// correlations index): the runner hands it those without decoding the data, and it indexes
/// every event, whatever its type, as cheaply as the log can be read.
public protocol MetadataProjection: Projection {
    func apply(position: UInt64, streamId: String, metadata: EventMetadata, to store: ProjectionStore) throws
}

extension MetadataProjection {
    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        try apply(position: envelope.position, streamId: envelope.streamId, metadata: envelope.metadata, to: store)
    }
}
