#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// How far a long step is, as handed to the installed reporter.
public struct ProgressUpdate: Sendable {
    /// What is being done, e.g. "decompressing core.zst".
    public var title: String
    public var done: UInt64
    /// The amount `done` counts up to, when known.
    public var total: UInt64?
    public var unit: ProgressUnit
    /// Seconds since the step started.
    public var elapsed: Double
    /// The last update of this step: the reporter clears its line.
    public var finished: Bool
}

public enum ProgressUnit: Sendable {
    case bytes, items
}

/// Where long steps (decompressing a core, walking a heap) say how far they
/// are. The CLI installs a reporter only when standard error is a terminal
/// and `--quiet` is not given; otherwise every update returns at its first
/// check, so the layers can report without caring who listens.
public enum ProgressReporting {
    public typealias Reporter = @Sendable (ProgressUpdate) -> Void

    /// Set once by the CLI before any work starts, read afterwards only.
    nonisolated(unsafe) private static var installed: Reporter?
    nonisolated(unsafe) private static var installedQuietPeriod = 1.0

    /// - Parameter quietPeriod: seconds a step runs before its first line (1 s; tests set 0).
    public static func install(_ reporter: Reporter?, quietPeriod: Double = 1.0) {
        installed = reporter
        installedQuietPeriod = quietPeriod
    }

    static var reporter: Reporter? { installed }

    /// Starts a step. Call `update` as often as is cheap (every few MB), and `finish` at its end.
    public static func start(_ title: String, total: UInt64?, unit: ProgressUnit) -> ProgressTask {
        ProgressTask(title: title, total: total, unit: unit, reporter: installed, quietPeriod: installedQuietPeriod)
    }
}

/// One long step's progress. Silent for its first second, then redrawn at
/// most a few times a second. Several workers may report into one task.
public final class ProgressTask: Sendable {
    static let redrawInterval = 0.2

    private let title: String
    private let total: UInt64?
    private let unit: ProgressUnit
    private let reporter: ProgressReporting.Reporter?
    /// Steps shorter than this never show a line.
    private let quietPeriod: Double
    private let started: Double
    private let lastDrawn = Mutex<Double?>(nil)
    /// What workers added with `add`.
    private let added = Atomic<UInt64>(0)

    init(title: String, total: UInt64?, unit: ProgressUnit, reporter: ProgressReporting.Reporter?, quietPeriod: Double) {
        self.quietPeriod = quietPeriod
        self.title = title
        self.total = total
        self.unit = unit
        self.reporter = reporter
        started = reporter == nil ? 0 : ProgressTask.now()
    }

    public func update(_ done: UInt64) {
        guard let reporter else { return }
        let now = ProgressTask.now()
        let elapsed = now - started
        guard elapsed >= quietPeriod else { return }
        let due = lastDrawn.withLock { last in
            if let last, now - last < ProgressTask.redrawInterval { return false }
            last = now
            return true
        }
        guard due else { return }
        reporter(ProgressUpdate(title: title, done: done, total: total, unit: unit, elapsed: elapsed, finished: false))
    }

    /// For workers sharing the step: adds `amount` to what all of them did and reports the sum.
    public func add(_ amount: UInt64) {
        guard reporter != nil else { return }
        update(added.wrappingAdd(amount, ordering: .relaxed).newValue)
    }

    /// Clears the line, if one was drawn.
    public func finish(_ done: UInt64) {
        guard let reporter, lastDrawn.withLock({ $0 != nil }) else { return }
        reporter(ProgressUpdate(title: title, done: done, total: total, unit: unit,
                                elapsed: ProgressTask.now() - started, finished: true))
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
