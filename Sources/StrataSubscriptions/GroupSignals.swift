import Foundation
import StrataStore
import Synchronization

/// Wakes this process's long polls of a group when something other than an append may have made
/// one of its events deliverable — an acknowledgement or a nack (the next event of that stream), a
/// replay — or changed the group itself (its settings, its deletion: a waiting poll then answers
/// with the group as it is). Appends wake long polls through the log's head feed; without this, a
/// consumer waiting behind another's lease on the same stream slept out its whole wait.
///
/// A poll notes the group's generation before it looks; a wait for a later generation returns at
/// once if a signal came in between, so no wake-up is lost. On a store shared by several servers
/// the transaction leaves a note (``note(for:)``) and the other servers' signals, which
/// ``follow(_:)`` the store, wake their own long polls when they hear of that commit.
public final class GroupSignals: Sendable {
    private struct Group {
        var generation: UInt64 = 0
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let groups = Mutex<[String: Group]>([:])

    public init() {}

    /// Separates a note's parts; view notes (StrataKit's) start with a position instead.
    private static let separator: Character = "\u{1}"
    private static let notePrefix = "subscriptions\(separator)group\(separator)"

    /// The commit note that tells other servers `group` changed: something may have become
    /// deliverable, or its settings changed, or it is gone.
    static func note(for group: String) -> String { notePrefix + group }

    /// The group a commit note names, when it is one of ours.
    static func group(ofNote note: String) -> String? {
        note.hasPrefix(notePrefix) ? String(note.dropFirst(notePrefix.count)) : nil
    }

    /// On a store shared with other servers, signals the groups their commits noted, as soon as
    /// this process hears of those commits — every group it knows when the store cannot tell
    /// what they noted. Call once per store and process.
    public func follow(_ store: any EventStore) {
        guard store.traits.isShared else { return }
        store.onForeignCommits { [self] commits in
            guard let notes = commits.notes else {
                for group in groups.withLock({ Array($0.keys) }) { signal(group) }
                return
            }
            for group in Set(notes.compactMap(Self.group(ofNote:))) { signal(group) }
        }
    }

    /// The group's generation now: what a poll notes before it looks.
    func generation(of group: String) -> UInt64 {
        groups.withLock { $0[group]?.generation ?? 0 }
    }

    /// Wakes every wait on `group`.
    func signal(_ group: String) {
        let woken = groups.withLock { groups -> [CheckedContinuation<Void, Never>] in
            var state = groups[group] ?? Group()
            state.generation += 1
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            groups[group] = state
            return waiters
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once `group` is signalled after `generation` (at once if it was already), or when
    /// the task is cancelled.
    func wait(_ group: String, after generation: UInt64) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = groups.withLock { groups -> Bool in
                    let state = groups[group] ?? Group()
                    guard state.generation == generation, !Task.isCancelled else { return true }
                    groups[group, default: Group()].waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            groups.withLock { $0[group]?.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
