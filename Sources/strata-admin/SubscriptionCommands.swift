import ArgumentParser
import Foundation
import StrataStore
import StrataSubscriptions
import StrataTools

/// `strata-admin subscriptions …`: the consumer groups of the store, read-only beside servers.
struct Subscriptions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consumer groups: their position, lag, deliveries in flight, parked messages and consumers.",
        subcommands: [List.self, Show.self, Parked.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every group, by name.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            await reporting {
                let store = try options.directory.openReadOnly()
                defer { store.close() }
                let groups = try await ConsumerGroups(store: store).list()
                if options.json { return print(try AdminReports.json(groups)) }
                var table = TextTable(
                    headers: ["GROUP", "FILTER", "POSITION", "HEAD", "LAG", "IN FLIGHT", "PARKED", "CONSUMERS", "PUSH"],
                    rightAligned: [2, 3, 4, 5, 6, 7]
                )
                for group in groups {
                    table.add([
                        group.group, Self.filter(group), String(group.position), String(group.head), String(group.lag),
                        String(group.inFlight), String(group.parked), String(group.consumers.count), group.push?.url ?? "-",
                    ])
                }
                print(table.rendered)
            }
        }

        static func filter(_ group: GroupStatus) -> String {
            let types = group.eventTypes.isEmpty ? "every type" : group.eventTypes.joined(separator: ",")
            return group.streamPrefix.isEmpty ? types : "\(types) in \(group.streamPrefix)*"
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One group: its settings, figures and consumers.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The group's name.") var group: String

        func run() async throws {
            await reporting {
                let store = try options.directory.openReadOnly()
                defer { store.close() }
                let status = try await ConsumerGroups(store: store).status(group)
                if options.json { return print(try AdminReports.json(status)) }
                print("group          \(status.group)")
                print("filter         \(List.filter(status))")
                print("timing         ack within \(status.ackTimeoutSeconds) s, parked after \(status.maxDeliveries) deliveries")
                print("push           \(status.push?.url ?? "no (polled)")")
                print("position       \(status.position) of \(status.head) (lag \(status.lag))")
                print("in flight      \(status.inFlight)")
                print("parked         \(status.parked)")
                print("")
                var table = TextTable(headers: ["CONSUMER", "IN FLIGHT", "LAST SEEN"], rightAligned: [1])
                for consumer in status.consumers {
                    table.add([consumer.consumer, String(consumer.inFlight), consumer.lastSeenAt.formatted(.iso8601)])
                }
                print(table.rendered)
            }
        }
    }

    struct Parked: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A group's parked messages, in log order.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The group's name.") var group: String
        @Option(help: "Parked messages after this position.") var after: UInt64 = 0
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            await reporting {
                let store = try options.directory.openReadOnly()
                defer { store.close() }
                let parked = try await ConsumerGroups(store: store).parked(group, after: after, limit: limit)
                if options.json { return print(try AdminReports.json(parked)) }
                var table = TextTable(headers: ["POSITION", "STREAM", "TYPE", "DELIVERIES", "PARKED AT", "REASON"], rightAligned: [0, 3])
                for message in parked {
                    table.add([
                        String(message.position), message.streamId, message.type, String(message.deliveries),
                        message.parkedAt.formatted(.iso8601), message.reason,
                    ])
                }
                print(table.rendered)
            }
        }
    }
}
