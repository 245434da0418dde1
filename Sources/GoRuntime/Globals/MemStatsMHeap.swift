import CoreFile
import ProcessImage

extension StrippedMemStatsFinder {
    /// A minimal finder for `runtime.mheap_`, for MemStats only (the heap walk
    /// has its own): `mheap_.spanalloc.stat` points to `memstats.mspan_sys`
    /// and `mheap_.cachealloc.stat` to `memstats.mcache_sys`, and each
    /// allocator's `size` is that of an mspan and an mcache. So the word
    /// holding `&memstats.mspan_sys` in the data, checked by the other three, places mheap_.
    func mheap(memstats: Address) throws -> Address {
        let allocators = try go.layout.resolve(MHeapFixAllocLayout.self).get()
        let spanSize = UInt64(try go.layout.resolve(MSpanLayout.self).get().size)
        let cacheSize = UInt64(try go.layout.resolve(MCacheLayout.self).get().size)
        let spanStat = memstats.rawValue &+ UInt64(stats.mspanSys.offset)
        let cacheStat = memstats.rawValue &+ UInt64(stats.mcacheSys.offset)
        let statOffset = UInt64(allocators.spanAllocStat.offset)
        for segment in data {
            let found = memory.firstWord(in: segment, matching: ExactWord(value: spanStat)) { address, _ in
                guard address.rawValue >= statOffset else { return false }
                let base = address.rawValue - statOffset
                guard let heap = memory.window(at: Address(base), count: UInt64(allocators.size), copyLimit: 1 << 20)?.bytes else { return false }
                return allocators.cacheAllocStat.load(from: heap).rawValue == cacheStat
                    && allocators.spanAllocSize.load(from: heap) == spanSize
                    && allocators.cacheAllocSize.load(from: heap) == cacheSize
            }
            if let found { return found.retreated(by: statOffset) }
        }
        throw GoRuntimeError.notFound(what: "runtime.mheap_ (no word in the data points to memstats.mspan_sys from an mheap's span allocator)")
    }

    struct ExactWord: WordPredicate {
        var value: UInt64
        func matches(_ word: UInt64) -> Bool { word == value }
    }
}
