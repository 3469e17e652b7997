#if canImport(Glibc)
import Glibc
#endif

/// Names the calling thread as `top -H`, `perf` and debuggers show it (Linux keeps its first 15
/// bytes): Foundation's `Thread.name` does not reach the system's thread name on Linux.
package func nameCurrentThread(_ name: String) {
    #if canImport(Glibc)
    guard let file = fopen("/proc/thread-self/comm", "w") else { return }
    fputs(String(decoding: name.utf8.prefix(15), as: UTF8.self), file)
    fclose(file)
    #endif
}
