import MallocInterposerSwift

/// Counts the process's allocations through ordo-one's malloc interposer, when it is loaded
/// ahead of libc (`LD_PRELOAD`, as `make bench-orders` runs the benchmark); otherwise counts nothing.
enum AllocationCounter {
    /// Whether the interposer sees this process's allocations: counting is switched on and one
    /// allocation made to find out.
    static let isCounting: Bool = {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        let probe = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        probe.deallocate()
        return MallocInterposerSwift.getStatistics().mallocCount > 0
    }()

    /// Allocations counted since the counter started, or `nil` when nothing is counted.
    static var count: Int? {
        isCounting ? MallocInterposerSwift.getStatistics().mallocCount : nil
    }
}
