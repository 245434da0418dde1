#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// How long the long analyses (heap walks, typing, marking, leaks, retained sizes) may run,
/// from `--timeout`.
///
/// The command line starts it once before any work; the walkers ask `expired(in:)` at loop
/// granularity (a batch of spans or chunks, a worker's piece of work), never per word, and
/// stop at the next safe point with what they have. Process-wide on purpose: a cancellation
/// token threaded through every walker's signature would touch every API for one option.
public enum AnalysisDeadline {
    /// CLOCK_MONOTONIC nanoseconds; `.max` when no deadline is set.
    private static let limit = Atomic<UInt64>(.max)
    /// The stages that stopped early, in the order they noticed.
    private static let stops = Mutex<[String]>([])
    /// A timeout longer than this (about 31 years) is no timeout; it also keeps the sum below 2^64.
    static let longestSeconds = 1e9

    /// Starts the clock: from now, `seconds` of analysis.
    public static func start(seconds: Double) {
        let nanoseconds = UInt64(min(max(seconds, 0), longestSeconds) * 1e9)
        limit.store(now() + nanoseconds, ordering: .relaxed)
        stops.withLock { $0.removeAll() }
    }

    /// No deadline, nothing stopped (tests that run analyses in-process).
    public static func clear() {
        limit.store(.max, ordering: .relaxed)
        stops.withLock { $0.removeAll() }
    }

    /// True once the deadline has passed, recording `stage` as cut short. Costs one atomic
    /// load without a deadline and one vDSO clock read with one.
    public static func expired(in stage: String) -> Bool {
        let deadline = limit.load(ordering: .relaxed)
        guard deadline != .max, now() >= deadline else { return false }
        stops.withLock { if !$0.contains(stage) { $0.append(stage) } }
        return true
    }

    /// The stages that stopped because the deadline passed; empty when the answer is whole.
    public static var stoppedStages: [String] { stops.withLock { $0 } }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
