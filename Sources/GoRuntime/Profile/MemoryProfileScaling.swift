import Foundation

/// A record's four values as `runtime/pprof` writes them for a sampling rate.
public struct ScaledMemoryProfileValues: Equatable, Sendable {
    public var allocObjects, allocBytes, inUseObjects, inUseBytes: Int64
}

extension GoMemoryProfileRecord {
    /// runtime/pprof's `scaleHeapSample`: a sample stands for 1 / (1 − e^(−size/rate))
    /// allocations of its size; rate 1 or less (every allocation, or unknown)
    /// leaves the values as they are. Go 1.27's writer takes the size from the
    /// bucket (`byObjectSize`), earlier ones average the record's bytes: the same
    /// size, rounded differently.
    public func scaled(rate: Int64, byObjectSize: Bool) -> ScaledMemoryProfileValues {
        let alloc = byObjectSize ? Self.scale(count: allocObjects, bytes: allocObjects &* objectSize, rate: rate)
            : Self.scale(count: allocObjects, bytes: allocBytes, rate: rate)
        let inUse = byObjectSize ? Self.scale(count: inUseObjects, bytes: inUseObjects &* objectSize, rate: rate)
            : Self.scale(count: inUseObjects, bytes: inUseBytes, rate: rate)
        return ScaledMemoryProfileValues(allocObjects: alloc.count, allocBytes: alloc.bytes, inUseObjects: inUse.count, inUseBytes: inUse.bytes)
    }

    static func scale(count: Int64, bytes: Int64, rate: Int64) -> (count: Int64, bytes: Int64) {
        guard count != 0, bytes != 0 else { return (0, 0) }
        guard rate > 1 else { return (count, bytes) }
        let factor = 1 / (1 - exp(-(Double(bytes) / Double(count)) / Double(rate)))
        return (Int64(Double(count) * factor), Int64(Double(bytes) * factor))
    }

    /// Whether this release's runtime/pprof scales by the bucket's object size (Go 1.27 on).
    public static func pprofScalesByObjectSize(_ release: GoRelease?) -> Bool {
        release.map { $0 >= GoRelease(major: 1, minor: 27) } ?? true
    }
}
