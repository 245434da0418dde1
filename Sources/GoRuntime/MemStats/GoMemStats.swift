/// `runtime.MemStats` as `runtime.ReadMemStats` would have filled it at the
/// moment of the dump. Encoded with Go's own field names.
public struct GoMemStats: Sendable, Equatable, Encodable {
    /// One `MemStats.BySize` entry: a small size class.
    public struct SizeClass: Sendable, Equatable, Encodable {
        public var size: UInt32
        public var mallocs: UInt64
        public var frees: UInt64

        enum CodingKeys: String, CodingKey { case size = "Size", mallocs = "Mallocs", frees = "Frees" }
    }

    /// `MemStats.BySize` has 61 entries, fewer than the runtime's 68 size
    /// classes; ReadMemStats copies only the first 61.
    public static let bySizeCount = 61
    /// The length of `PauseNs` and `PauseEnd`, circular buffers indexed by GC number.
    public static let pauseHistoryCount = 256

    public var alloc: UInt64 = 0
    public var totalAlloc: UInt64 = 0
    public var sys: UInt64 = 0
    /// Always 0: the runtime no longer counts pointer lookups; ReadMemStats leaves it 0.
    public var lookups: UInt64 = 0
    public var mallocs: UInt64 = 0
    public var frees: UInt64 = 0
    public var heapAlloc: UInt64 = 0
    public var heapSys: UInt64 = 0
    public var heapIdle: UInt64 = 0
    public var heapInuse: UInt64 = 0
    public var heapReleased: UInt64 = 0
    public var heapObjects: UInt64 = 0
    public var stackInuse: UInt64 = 0
    public var stackSys: UInt64 = 0
    public var mSpanInuse: UInt64 = 0
    public var mSpanSys: UInt64 = 0
    public var mCacheInuse: UInt64 = 0
    public var mCacheSys: UInt64 = 0
    public var buckHashSys: UInt64 = 0
    public var gcSys: UInt64 = 0
    public var otherSys: UInt64 = 0
    public var nextGC: UInt64 = 0
    public var lastGC: UInt64 = 0
    public var pauseTotalNs: UInt64 = 0
    public var pauseNs: [UInt64] = Array(repeating: 0, count: GoMemStats.pauseHistoryCount)
    public var pauseEnd: [UInt64] = Array(repeating: 0, count: GoMemStats.pauseHistoryCount)
    public var numGC: UInt32 = 0
    public var numForcedGC: UInt32 = 0
    public var gcCPUFraction: Double = 0
    /// Always true: ReadMemStats sets it whatever GOGC says.
    public var enableGC = true
    /// Always false: unused by the runtime.
    public var debugGC = false
    public var bySize: [SizeClass] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case alloc = "Alloc", totalAlloc = "TotalAlloc", sys = "Sys", lookups = "Lookups", mallocs = "Mallocs", frees = "Frees"
        case heapAlloc = "HeapAlloc", heapSys = "HeapSys", heapIdle = "HeapIdle", heapInuse = "HeapInuse"
        case heapReleased = "HeapReleased", heapObjects = "HeapObjects"
        case stackInuse = "StackInuse", stackSys = "StackSys", mSpanInuse = "MSpanInuse", mSpanSys = "MSpanSys"
        case mCacheInuse = "MCacheInuse", mCacheSys = "MCacheSys", buckHashSys = "BuckHashSys", gcSys = "GCSys", otherSys = "OtherSys"
        case nextGC = "NextGC", lastGC = "LastGC", pauseTotalNs = "PauseTotalNs", pauseNs = "PauseNs", pauseEnd = "PauseEnd"
        case numGC = "NumGC", numForcedGC = "NumForcedGC", gcCPUFraction = "GCCPUFraction", enableGC = "EnableGC", debugGC = "DebugGC"
        case bySize = "BySize"
    }

    /// The pauses of the last `count` GCs, newest first.
    public func recentPauses(_ count: Int) -> [GoGCState.Pause] {
        guard pauseNs.count == pauseEnd.count else { return [] }
        let available = min(count, Int(numGC), pauseNs.count)
        return (0..<available).map { age in
            let index = (Int(numGC) - 1 - age) % pauseNs.count
            return GoGCState.Pause(end: pauseEnd[index], nanoseconds: pauseNs[index])
        }
    }
}

/// The collector's settings and state as the runtime holds them, beside MemStats.
public struct GoGCState: Sendable, Equatable, Encodable {
    /// One stop-the-world pause of a past GC.
    public struct Pause: Sendable, Equatable, Encodable {
        /// Unix nanoseconds.
        public var end: UInt64
        public var nanoseconds: UInt64
    }

    /// How many of the newest pauses `lastPauses` keeps.
    public static let lastPauseCount = 10

    /// GOGC: the percentage, or -1 when the collector is off.
    public var gogc: Int64
    /// GOMEMLIMIT in bytes; `Int64.max` when unset.
    public var memoryLimit: Int64
    /// Bytes the last GC marked live.
    public var heapMarked: UInt64
    /// The heap size at which the next GC starts to finish (MemStats.NextGC).
    public var heapGoal: UInt64
    public var numGC: UInt32
    /// Unix nanoseconds; 0 before the first GC.
    public var lastGC: UInt64
    /// The newest first, from MemStats' circular PauseNs and PauseEnd.
    public var lastPauses: [Pause]

    enum CodingKeys: String, CodingKey {
        case gogc = "GOGC", memoryLimit = "GOMEMLIMIT", heapMarked, heapGoal, numGC = "NumGC", lastGC = "LastGC", lastPauses
    }
}
