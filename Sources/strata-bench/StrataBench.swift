import ArgumentParser

/// Benchmarks of Strata's layers, each beside the baseline its issue names. `make bench` runs them.
@main
struct StrataBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-bench",
        abstract: "Measure Strata against its baselines.",
        subcommands: [LogBenchmark.self, ReplayBenchmark.self, OrdersBenchmark.self, SnapshotBenchmark.self]
    )
}
