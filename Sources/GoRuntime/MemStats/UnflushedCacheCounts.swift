import CoreFile
import ProcessImage

/// What each P's mcache has counted but not yet flushed into the consistent
/// heap statistics: ReadMemStats flushes every mcache first (`releaseAll`),
/// adding for each cached span `allocCount - allocCountBeforeCache` to its
/// size class, and the cache's `tinyAllocs` to the tiny count.
struct UnflushedCacheCounts {
    /// Indexed by size class.
    var smallAllocCount: [UInt64]
    var tinyAllocCount: UInt64 = 0
    /// The bytes those slots hold, which `releaseAll` adds to `gcController.totalAlloc`.
    var allocatedBytes: UInt64 = 0
    /// Ps read, and Ps or spans that could not be read.
    var processors = 0
    var unreadable = 0

    /// Go allows at most 1024 Ps in practice (`GOMAXPROCS` is capped by `_MaxGomaxprocs`).
    static let maximumProcessors = 1 << 10

    init(allp: Address, memory: MemoryReader, layout: GoRuntimeLayout, sizeClasses: Int) throws {
        smallAllocCount = Array(repeating: 0, count: sizeClasses)
        let p = try layout.resolve(PLayout.self).get()
        let cache = try layout.resolve(MCacheLayout.self).get()
        let span = try layout.resolve(MSpanLayout.self).get()
        let pointers = try memory.readUInt64(at: allp)
        let count = try memory.readUInt64(at: allp.advanced(by: 8))
        guard count <= UInt64(Self.maximumProcessors) else { throw GoRuntimeError.corrupt(what: "runtime.allp (\(count) Ps)") }
        for index in 0..<Int(count) {
            guard let processor = try? memory.readPointer(at: Address(pointers &+ UInt64(index) * 8)), processor != .zero,
                  let cacheAddress = try? memory.readPointer(at: processor.advanced(by: UInt64(p.mcache.offset)))
            else { unreadable += 1; continue }
            processors += 1
            guard cacheAddress != .zero else { continue }
            guard let cacheBytes = memory.window(at: cacheAddress, count: UInt64(cache.size), copyLimit: 1 << 16)?.bytes else {
                unreadable += 1; continue
            }
            tinyAllocCount &+= cache.tinyAllocs.load(from: cacheBytes)
            addCachedSpans(cacheBytes, cache: cache, span: span, memory: memory)
        }
    }

    private mutating func addCachedSpans(_ cacheBytes: ByteView, cache: MCacheLayout, span: MSpanLayout, memory: MemoryReader) {
        for spanClass in 0..<cache.alloc.count {
            let spanAddress = GoAddressField(offset: cache.alloc.offset + spanClass * cache.alloc.elementSize).load(from: cacheBytes)
            guard spanAddress != .zero else { continue }
            guard let spanBytes = memory.window(at: spanAddress, count: UInt64(span.size), copyLimit: 1 << 12)?.bytes else {
                unreadable += 1; continue
            }
            // `emptymspan` stands in for an empty slot; its counts are zero, so it adds nothing.
            let slots = span.allocCount.load(from: spanBytes) &- span.allocCountBeforeCache.load(from: spanBytes)
            let sizeClass = spanClass >> 1
            guard sizeClass < smallAllocCount.count else { continue }
            smallAllocCount[sizeClass] &+= slots
            allocatedBytes &+= slots &* span.elemsize.load(from: spanBytes)
        }
    }
}
