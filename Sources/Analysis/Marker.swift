import BitCollections
import CoreFile
import Dispatch
import ProcessImage

/// What a mark phase found.
public struct MarkResult: Sendable {
    /// One bit per row of the table: set when the row is reachable from the roots.
    public var marked: BitArray
    /// Chunks of memory (roots or allocations) that could not be read; their words were skipped.
    public var unreadableChunks: Int
}

/// Marks the allocations reachable from a set of roots, as a tracing collector would.
///
/// Work is split between `threads` workers with Dispatch's `concurrentPerform`; each owns an
/// explicit stack (no recursion, so a million-long list cannot overflow anything) and marks
/// through an atomic bitset, so each reachable row is scanned exactly once. The reachable set
/// is a fixed point, so the result does not depend on the number of threads or their timing.
public struct Marker<Map: PointerMap> {
    public let table: AllocationTable
    public let memory: any MemoryReader
    public let pointers: Map
    public let threads: Int

    /// Root memory is cut into pieces of this many bytes, so both cores share a large root.
    static var rootPieceBytes: UInt64 { UInt64(WordReader.chunkWords) * 8 }

    /// With `threads` > 1, `memory` and `pointers` are used from several threads at once and
    /// must allow it.
    public init(table: AllocationTable, memory: any MemoryReader, pointers: Map, threads: Int = 2) {
        self.table = table
        self.memory = memory
        self.pointers = pointers
        self.threads = max(1, threads)
    }

    public func mark(from roots: MarkRoots) -> MarkResult {
        let bits = AtomicBitset(count: table.count)
        let pieces = rootPieces(roots)
        let unreadable = table.withLookup { lookup -> Int in
            var initial = pieces.indices.map { -1 - $0 }
            for word in roots.words {
                let row = lookup.allocatedRow(containing: word)
                if row >= 0, bits.testAndSet(row) { initial.append(row) }
            }
            let pool = WorkPool(items: initial)
            let faults = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
            faults.initialize(repeating: 0)
            defer { faults.deallocate() }
            // The workers share the table, the map and the reader by contract (see init), and
            // each writes only its own slot of `faults`.
            let shared = UncheckedSendable((marker: self, faults: faults))
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                shared.value.faults[worker] = shared.value.marker.runWorker(
                    pool: pool, bits: bits, lookup: lookup, pieces: pieces)
            }
            return faults.reduce(0, +)
        }
        return MarkResult(marked: bits.snapshot(), unreadableChunks: unreadable)
    }

    /// Drains work until the pool reports that all of it is done; returns the unreadable chunks.
    private func runWorker(pool: WorkPool, bits: AtomicBitset, lookup: TableLookup,
                           pieces: [MarkRoots.Range]) -> Int {
        let scanner = PointerScanner(reader: WordReader(memory: memory), lookup: lookup)
        var stack: [Int] = []
        stack.reserveCapacity(4096)
        var holdingWork = false
        while pool.take(into: &stack, limit: 64, holdingWork: holdingWork) {
            holdingWork = true
            while let item = stack.popLast() {
                if item < 0 {
                    let piece = pieces[-1 - item]
                    scanner.forEachTarget(start: piece.range.start.rawValue, size: piece.range.size,
                                          pointers: piece.pointers) { row in
                        if bits.testAndSet(row) { stack.append(row) }
                    }
                } else {
                    scanner.forEachTarget(start: table.addresses[item], size: table.sizes[item],
                                          pointers: pointers.pointerWords(ofRow: item, in: table)) { row in
                        if bits.testAndSet(row) { stack.append(row) }
                    }
                }
                if stack.count > 1, pool.hasWaitingWorkers { pool.share(from: &stack) }
            }
        }
        return scanner.reader.faults
    }

    /// Root ranges cut into pieces. Only conservative ranges are cut: a bitmap's phase
    /// depends on the range's start, so exact ranges stay whole.
    private func rootPieces(_ roots: MarkRoots) -> [MarkRoots.Range] {
        var pieces: [MarkRoots.Range] = []
        for root in roots.ranges {
            guard case .everyWord(let limit) = root.pointers.shape, limit == .max else {
                pieces.append(root)
                continue
            }
            let start = root.range.start.advanced(by: root.pointers.offset)
            var cursor = start.alignedDown(to: 8) < start ? start.advanced(by: 8).alignedDown(to: 8) : start
            while cursor < root.range.end {
                let pieceEnd = min(root.range.end, cursor.advanced(by: Self.rootPieceBytes))
                pieces.append(MarkRoots.Range(AddressRange(start: cursor, end: pieceEnd)))
                cursor = pieceEnd
            }
        }
        return pieces
    }
}

/// Hands values that are safe by contract, not by type, to `concurrentPerform`'s workers.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}
