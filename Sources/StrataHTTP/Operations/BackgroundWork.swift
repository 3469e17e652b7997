import Synchronization

/// Work a route started and answered 202 for (an online rebuild, say), kept so that shutdown
/// can wait for it before the store closes.
public final class BackgroundWork: Sendable {
    private let tasks = Mutex<[Int: Task<Void, Never>]>([:])
    private let counter = Atomic<Int>(0)

    public init() {}

    /// Runs `operation` in the background.
    public func start(_ operation: @escaping @Sendable () async -> Void) {
        let id = counter.add(1, ordering: .relaxed).newValue
        tasks.withLock { running in
            running[id] = Task { [weak self] in
                await operation()
                self?.tasks.withLock { _ = $0.removeValue(forKey: id) }
            }
        }
    }

    /// Waits for everything started so far.
    public func waitForAll() async {
        while let task = tasks.withLock({ $0.values.first }) {
            await task.value
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}
