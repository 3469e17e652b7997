import Foundation
import StrataKit
import StrataLog
import StrataStore

/// `strata-admin backup`: a consistent, compacted copy of the store — and of its key store — made
/// from read snapshots, so a running server keeps serving and appending meanwhile.
public enum Backup {
    /// Copies `directory` into `destination`, which must not exist or be empty.
    public static func run(_ directory: DataDirectory, to destination: String) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: destination) {
            guard (try manager.contentsOfDirectory(atPath: destination)).isEmpty else {
                throw ToolError("\(destination) is not empty; backup never overwrites")
            }
        }
        try manager.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let log = try directory.openReadOnly()
        defer { log.close() }
        try log.backup(to: destination)
        if manager.fileExists(atPath: (directory.keysPath as NSString).appendingPathComponent("data.mdb")) {
            let keysDestination = (destination as NSString).appendingPathComponent("keys")
            try manager.createDirectory(atPath: keysDestination, withIntermediateDirectories: true)
            let keys = try KeyStore(directory: directory.keysPath)
            defer { keys.close() }
            try keys.backup(to: keysDestination)
        }
    }
}
