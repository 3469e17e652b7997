import StrataStore

extension ProjectionRunner {
    /// Rebuilds `name` into scratch tables up to the log's head and compares them with the live
    /// tables, which stay as they are; the scratch tables are dropped afterwards. A consistency
    /// check: run it offline, or the live tables may move while it compares.
    public func verifyByRebuilding(_ name: String, progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws -> RebuildComparison {
        guard let comparison = try await verifyByRebuilding([name], progress: progress).first else {
            throw ProjectionError(message: "internal: the dry run produced no comparison")
        }
        return comparison
    }

    /// ``verifyByRebuilding(_:progress:)`` for several projections in one pass.
    public func verifyByRebuilding(_ names: [String], progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws -> [RebuildComparison] {
        do {
            return try await rebuildTogether(names, swapIn: false, progress: progress)
        } catch is CombinedRebuildFailed {
            var comparisons: [RebuildComparison] = []
            for name in names { comparisons += try await rebuildTogether([name], swapIn: false, progress: progress) }
            return comparisons
        }
    }

    /// Compares a finished scratch generation with the live one.
    func compare(_ projection: any Projection, generation: UInt32) throws -> RebuildComparison {
        let name = projection.name
        return try log.withSnapshot { snapshot in
            guard let checkpoint = try checkpoints.checkpoint(name, in: snapshot) else {
                throw ProjectionError(message: "projection \(name) was not started")
            }
            var differing: [String] = []
            for table in projection.tables {
                let live = try rows(snapshot, ProjectionCheckpoint.tableName(projection: name, generation: checkpoint.generation, table: table))
                let rebuilt = try rows(snapshot, ProjectionCheckpoint.tableName(projection: name, generation: generation, table: table))
                if live != rebuilt { differing.append(table.name) }
            }
            let livePosition = projection.mode == .inline ? try snapshot.headPosition() : checkpoint.position
            return RebuildComparison(
                projection: name,
                differingTables: differing,
                livePosition: livePosition,
                rebuiltPosition: checkpoint.rebuildPosition
            )
        }
    }

    /// Drops the scratch generations of a dry run.
    func discard(_ chosen: [any Projection], _ generations: [String: UInt32]) async throws {
        try await log.write { [checkpoints] transaction in
            for projection in chosen {
                guard var checkpoint = try checkpoints.checkpoint(projection.name, in: transaction), let generation = generations[projection.name],
                    checkpoint.rebuildGeneration == generation
                else { continue }
                for table in try checkpoints.tables(of: projection, generation: generation, in: transaction).values { try transaction.drop(table) }
                checkpoint.rebuildGeneration = 0
                checkpoint.rebuildPosition = 0
                try checkpoints.save(checkpoint, projection.name, in: transaction)
            }
        }
    }

    private func rows(_ snapshot: any StoreSnapshot, _ tableName: String) throws -> [[UInt8]: [UInt8]] {
        guard let table = try log.existingTable(named: tableName) else { return [:] }
        var rows: [[UInt8]: [UInt8]] = [:]
        try snapshot.scan(table) { key, value in
            rows[Array(key)] = Array(value)
            return true
        }
        return rows
    }
}
