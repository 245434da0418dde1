import CoreFile
import ProcessImage

/// The runtime's two-level arena index, `mheap_.arenas[l1][l2]`, which maps every heap page
/// to its `mspan`. On linux/amd64 the index covers the 48-bit address space in 64 MiB arenas,
/// offset by `arenaBaseOffset` so that the (randomized, from Go 1.26) heap base never matters.
struct GoArenaIndex {
    /// linux/amd64's `arenaBaseOffset`: arena numbers count from the bottom of the upper half.
    static let arenaBaseOffset: UInt64 = 0xffff_8000_0000_0000
    static let pageSize: UInt64 = 8192
    static let addressBits: UInt64 = 48

    /// `*[1 << arenaL2Bits]*heapArena` for each first-level slot.
    let level2: [Address]
    let heapArenaBytes: UInt64
    let pagesPerArena: UInt64
    let level2Count: UInt64
    let arena: HeapArenaLayout
    let memory: MemoryReader

    init(mheap: Address, layout: MHeapLayout, arena: HeapArenaLayout, memory: MemoryReader) throws {
        pagesPerArena = UInt64(arena.spans.count)
        heapArenaBytes = pagesPerArena * GoArenaIndex.pageSize
        guard heapArenaBytes.nonzeroBitCount == 1, layout.arenas.count >= 1, layout.arenas.count <= 1 << 16 else {
            throw GoRuntimeError.corrupt(what: "arena index shape: \(layout.arenas.count) level-1 slots of \(pagesPerArena)-page arenas")
        }
        let arenaBits = UInt64(heapArenaBytes.trailingZeroBitCount)
        let level1Bits = UInt64(layout.arenas.count.trailingZeroBitCount)
        level2Count = 1 << (GoArenaIndex.addressBits - arenaBits - level1Bits)
        level2 = try (0..<layout.arenas.count).map {
            try memory.readPointer(at: mheap.advanced(by: UInt64(layout.arenas.elementOffset($0))))
        }
        self.arena = arena
        self.memory = memory
    }

    /// The arena number of an address, as the runtime's `arenaIndex` computes it.
    func arenaNumber(of address: Address) -> UInt64 {
        (address.rawValue &- GoArenaIndex.arenaBaseOffset) / heapArenaBytes
    }

    /// The first address of arena number `number`.
    func arenaBase(_ number: UInt64) -> Address {
        Address(number &* heapArenaBytes &+ GoArenaIndex.arenaBaseOffset)
    }

    /// The `heapArena` holding `address`, or nil when no arena maps it.
    func heapArena(containing address: Address) -> Address? {
        let number = arenaNumber(of: address)
        let level1 = number / level2Count
        guard level1 < UInt64(level2.count), level2[Int(level1)] != .zero else { return nil }
        let slot = level2[Int(level1)].advanced(by: (number % level2Count) * 8)
        guard let heapArena = try? memory.readPointer(at: slot), heapArena != .zero else { return nil }
        return heapArena
    }

    /// The `*mspan` the arena metadata records for the page holding `address`: for a span in
    /// use, every one of its pages points back to it.
    func span(ofPage address: Address) -> Address? {
        guard let heapArena = heapArena(containing: address) else { return nil }
        let page = (address.rawValue / GoArenaIndex.pageSize) % pagesPerArena
        return try? memory.readPointer(at: heapArena.advanced(by: UInt64(arena.spans.elementOffset(Int(page)))))
    }
}
