import ArgumentParser
import ShopAPI
import StrataServer

/// `strata-server`: the shop over HTTP. Exits 0 after a graceful shutdown on SIGTERM or SIGINT.
@main
struct StrataServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-server",
        abstract: "Serve the Strata shop over HTTP.",
        discussion: ServerFlags.environment
    )

    @OptionGroup var flags: ServerFlags

    func run() async throws {
        try await flags.serve("strata-server", domains: [ShopRoutes()])
    }
}
