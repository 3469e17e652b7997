import AsyncHTTPClient
import StrataSubscriptions

/// How one POST ended.
enum PostOutcome: Sendable {
    /// The receiver took it (2xx): to acknowledge.
    case took
    /// Refused or unanswered: left leased for its backoff (or parked).
    case refused
    /// The driver stopped first: to give back.
    case stopped
}

/// What one of a push group's tasks came back with.
private enum PushStep: Sendable {
    /// Messages taken for the window, with the group's settings when they were.
    case taken([DeliveredMessage], GroupSettings, PushTarget)
    /// A POST ended.
    case posted(ackId: String, PostOutcome)
    /// An acknowledgement of taken messages was written.
    case acknowledged
    /// The group's work lease was renewed (`true`) or is another server's now.
    case renewed(Bool)
    /// Taking messages failed (logged); try again.
    case failed
    /// The group is gone, or no longer a push group.
    case gone
}

extension PushDelivery {
    /// One group's loop: hold its work lease (on a shared store), then keep its window of POSTs
    /// full while the lease holds.
    func drive(_ group: String, through client: HTTPClient) async {
        let work = "push:" + group
        defer { release(work) }
        while !Task.isCancelled {
            do {
                if let leases {
                    let held = try await store.perform { transaction in try leases.hold(work, in: transaction) }.value
                    guard held else {
                        try await Task.sleep(for: .seconds(leases.duration / 2))
                        continue
                    }
                }
                guard await push(group, work: work, through: client) else { return }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("push group's lease not held; retrying", metadata: ["group": "\(group)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Keeps up to ``inFlightPerGroup`` of the group's messages being POSTed: one long poll at a
    /// time for as many as there are free places, each message posted as its own task, the next
    /// poll as soon as a place is free; and one acknowledgement at a time for every message taken
    /// since the last (polls and acknowledgements are write transactions: batching them as group
    /// commit batches appends keeps their number below the messages'). Returns `false` when the
    /// group is gone or no longer pushed, `true` when its lease was lost (after what is in flight
    /// ends) or the driver stops.
    private func push(_ group: String, work: String, through client: HTTPClient) async -> Bool {
        await withTaskGroup(of: PushStep.self) { tasks in
            var inFlight = 0, polling = false, leaseHeld = true
            var taken: [String] = [], acknowledging = false
            // Leased for a POST not yet ended: given back if the driver stops first.
            var posting: Set<String> = []
            var gone = false
            if leases != nil { tasks.addTask { await self.renew(work) } }
            driving: while !Task.isCancelled {
                if leaseHeld, !polling, inFlight < inFlightPerGroup {
                    let free = inFlightPerGroup - inFlight
                    tasks.addTask { await self.take(group, max: free) }
                    polling = true
                }
                guard let step = await tasks.next() else { return true }
                switch step {
                case .taken(let messages, let settings, let target):
                    polling = false
                    inFlight += messages.count
                    for message in messages {
                        posting.insert(message.ackId)
                        tasks.addTask {
                            .posted(ackId: message.ackId, await self.deliver(message, of: group, to: target, settings: settings, through: client))
                        }
                    }
                case .posted(let ackId, let outcome):
                    inFlight -= 1
                    if outcome != .stopped { posting.remove(ackId) }
                    if outcome == .took { taken.append(ackId) }
                case .acknowledged:
                    acknowledging = false
                case .failed:
                    polling = false
                case .renewed(true):
                    tasks.addTask { await self.renew(work) }
                case .renewed(false):
                    leaseHeld = false
                case .gone:
                    gone = true
                    break driving
                }
                if !acknowledging, !taken.isEmpty {
                    let ackIds = taken
                    taken = []
                    acknowledging = true
                    tasks.addTask {
                        await self.acknowledge(ackIds, of: group)
                        return .acknowledged
                    }
                }
                if !leaseHeld, inFlight == 0, !polling, !acknowledging { return true }
            }
            // Stopping, or the group is gone or no longer pushed: the tasks end (a take may still
            // lease messages); what the receiver took is acknowledged rather than pushed again
            // later, what was leased and not posted is given back (to the consumers that poll a
            // group no longer pushed; a deleted group's leases went with it).
            tasks.cancelAll()
            while let step = await tasks.next() {
                switch step {
                case .taken(let messages, _, _): posting.formUnion(messages.map(\.ackId))
                case .posted(let ackId, let outcome) where outcome != .stopped:
                    posting.remove(ackId)
                    if outcome == .took { taken.append(ackId) }
                default: break
                }
            }
            if !taken.isEmpty { await acknowledge(taken, of: group) }
            await releaseUnposted(Array(posting), of: group)
            return !gone
        }
    }

    /// How long a push group's poll waits for a message. An idle group costs one poll (a write
    /// transaction) per wait; an append, an ack or a change of the group (its target, its deletion)
    /// ends the wait at once.
    static let pollWait: Duration = .seconds(10)

    /// Takes up to `max` of the group's messages, waiting up to ``pollWait`` for one, with the
    /// group's settings as the poll found them.
    private func take(_ group: String, max: Int) async -> PushStep {
        do {
            let (messages, settings) = try await groups.pollForPush(group, consumer: "server-push", max: max, wait: Self.pollWait)
            guard let target = settings.push else { return .gone }
            return .taken(messages, settings, target)
        } catch SubscriptionError.groupNotFound {
            return .gone
        } catch is CancellationError {
            return .failed
        } catch {
            logger.warning("push group failed; retrying", metadata: ["group": "\(group)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return .failed
        }
    }

    /// Renews the group's work lease a third of its duration from now.
    private func renew(_ work: String) async -> PushStep {
        guard let leases else { return .renewed(true) }
        do {
            try await Task.sleep(for: .seconds(leases.duration / 3))
            return .renewed(try await store.perform { transaction in try leases.hold(work, in: transaction) }.value)
        } catch {
            return .renewed(false)
        }
    }
}
