#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Guards the memory map against being moved while a transaction reads it.
///
/// Growing the map (`mdb_env_set_mapsize`) unmaps and remaps the file, which would pull the pages
/// out from under a concurrent reader in this process. Every transaction holds this lock shared;
/// growing or adopting a grown map holds it exclusively. A thread that already holds it shared
/// (a transaction opened inside another one) does not take it again, so writer preference cannot
/// deadlock it.
///
/// `@unchecked Sendable`: all state is a pthread rwlock and a pthread key, both thread-safe.
final class ResizeLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var depthKey = pthread_key_t()

    init() {
        lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if canImport(Glibc)
        // Resizes are rare and must not starve behind a steady stream of short readers.
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        pthread_key_create(&depthKey, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
        pthread_key_delete(depthKey)
    }

    /// How many shared holds the calling thread has.
    var sharedDepth: Int { Int(bitPattern: pthread_getspecific(depthKey)) }

    func withShared<T>(_ body: () throws -> T) rethrows -> T {
        let depth = sharedDepth
        if depth == 0 { pthread_rwlock_rdlock(lock) }
        pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: depth + 1))
        defer {
            pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: depth))
            if depth == 0 { pthread_rwlock_unlock(lock) }
        }
        return try body()
    }

    /// Runs `body` with no transaction active in this process; `nil` when the calling thread itself
    /// holds the lock shared (it would wait for itself).
    func withExclusive<T>(_ body: () throws -> T) rethrows -> T? {
        guard sharedDepth == 0 else { return nil }
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
