import CoreFile
import ProcessImage

/// One allocation site of the runtime's sampled memory profile, as
/// `runtime.MemProfile(p, true)` would have returned it at the moment of the
/// dump: counts folded as of the last completed GC, not scaled by the rate.
public struct GoMemoryProfileRecord: Equatable, Sendable {
    public var allocObjects: Int64
    public var allocBytes: Int64
    public var freeObjects: Int64
    public var freeBytes: Int64
    /// The bucket's allocation size (`bucket.size`).
    public var objectSize: Int64
    /// Return PCs, innermost first, inlined calls already expanded by the
    /// runtime (`callers`); symbolize each at pc − 1. Up to 32 before Go 1.23,
    /// `debug.profstackdepth` (128 by default) from 1.23; `MemProfileRecord`
    /// itself keeps only the first 32.
    public var stack: [UInt64]

    public var inUseObjects: Int64 { allocObjects &- freeObjects }
    public var inUseBytes: Int64 { allocBytes &- freeBytes }

    public init(allocObjects: Int64, allocBytes: Int64, freeObjects: Int64, freeBytes: Int64, objectSize: Int64, stack: [UInt64]) {
        self.allocObjects = allocObjects
        self.allocBytes = allocBytes
        self.freeObjects = freeObjects
        self.freeBytes = freeBytes
        self.objectSize = objectSize
        self.stack = stack
    }
}

/// The memory profile the runtime keeps in every Go process (`runtime.mbuckets`).
public struct GoMemoryProfile: Sendable {
    /// `runtime.MemProfileRate` in the core: bytes allocated per sample (1: every
    /// allocation; 0: profiling off). Nil when a stripped binary hid it.
    public var rate: Int64?
    /// `mProfCycle.read()`: the cycle the fold flushed.
    public var cycle: UInt32
    /// In the runtime's own order (`allnext` from `mbuckets`), buckets whose counts are all zero included.
    public var records: [GoMemoryProfileRecord]
    /// "DWARF" or "machine code and shape".
    public var globalsSource: String
    public var warnings: [Warning]

    /// Why a profile cannot be written, or nil: memory profiling was off, or
    /// nothing was sampled yet.
    public var emptinessReason: String? {
        guard records.isEmpty else { return nil }
        if rate == 0 {
            return "memory profiling was off in this program (runtime.MemProfileRate = 0, as the linker sets it when nothing reads the profile) and runtime.mbuckets is empty"
        }
        return "runtime.mbuckets is empty: the program had not sampled an allocation yet (runtime.MemProfileRate = \(rate.map(String.init) ?? "unknown"))"
    }
}

extension GoProcess {
    /// The memory profile as of the dump. Needs no heap walk: the buckets live
    /// outside the heap, and only three globals are read.
    public func readMemoryProfile(process: ProcessImage) throws -> GoMemoryProfile {
        let located = try MemoryProfileGlobals.locate(go: self, process: process)
        let memory = process.memory
        var warnings = located.warnings
        let head = try memory.readPointer(at: located.globals.buckets)
        let bucketLayout = try layout.resolve(ProfileBucketLayout.self).get()
        let recordLayout = try layout.resolve(MemRecordLayout.self).get()
        let reader = MemoryProfileBucketReader(memory: memory, bucket: bucketLayout, record: recordLayout,
                                               maximumDepth: buildInfo.release.map(Self.maximumProfileDepth) ?? 1024)
        let walk = reader.walk(from: head)
        warnings += walk.warnings
        let cycle = try located.globals.cycle.map { try memory.readUInt32(at: $0) >> 1 } ?? 0
        let folded = MemoryProfileFold.fold(walk.buckets.map(\.counts), cycle: cycle)
        let records = zip(walk.buckets, folded).map { bucket, counts in
            GoMemoryProfileRecord(allocObjects: Int64(bitPattern: counts.allocs), allocBytes: Int64(bitPattern: counts.allocBytes),
                                  freeObjects: Int64(bitPattern: counts.frees), freeBytes: Int64(bitPattern: counts.freeBytes),
                                  objectSize: Int64(bitPattern: bucket.size), stack: bucket.stack)
        }
        let rate = try located.globals.rate.map { Int64(bitPattern: try memory.readUInt64(at: $0)) }
        return GoMemoryProfile(rate: rate, cycle: cycle, records: records, globalsSource: located.source, warnings: warnings)
    }

    /// The most return PCs a bucket holds: `maxStack` before 1.23, `maxProfStackDepth` from 1.23.
    static func maximumProfileDepth(_ release: GoRelease) -> Int {
        release >= GoRelease(major: 1, minor: 23) ? 1024 : 32
    }
}
