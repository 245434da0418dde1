import Analysis
import CoreFile

/// A random heap in fake memory: rows with gaps between them, some free, words that point
/// inside other rows, exactly one past their end, or nowhere; and a stack of root words.
struct SyntheticHeap {
    static let heapBase: UInt64 = 0xc000_0000_00
    static let stackBase: UInt64 = 0x7ffd_0000_0000

    var table: AllocationTable
    let memory = WordMemory()
    var roots = MarkRoots()

    init(rows: Int, seed: UInt64, stackWords: Int = 64, rootWords: Int = 3,
         oddSizes: Bool = false, freeFraction: Double = 0.1) {
        var random = SplitMix64(seed: seed)
        var builder = AllocationTableBuilder()
        var cursor = Self.heapBase
        for _ in 0..<rows {
            cursor += [0, 0, 16, 48].randomElement(using: &random)!
            var size = UInt64.random(in: 1...16, using: &random) * 8
            if oddSizes, Bool.random(using: &random) { size -= UInt64.random(in: 1...7, using: &random) }
            let state: AllocationState = Double.random(in: 0..<1, using: &random) < freeFraction ? .free : .unknown
            builder.append(address: Address(cursor), size: size, state: state,
                           type: TypeID(rawValue: UInt32.random(in: 0..<5, using: &random)),
                           allocatorWord: random.next())
            cursor += (size + 7) & ~7
        }
        table = builder.build().table
        let heapWords = Int((cursor - Self.heapBase) / 8)
        memory.map(words: (0..<heapWords).map { _ in Self.randomWord(in: table, using: &random) },
                   at: Self.heapBase)
        memory.map(words: (0..<stackWords).map { _ in Self.randomWord(in: table, using: &random) },
                   at: Self.stackBase)
        roots.ranges = [MarkRoots.Range(AddressRange(start: Address(Self.stackBase), size: UInt64(stackWords) * 8))]
        roots.words = (0..<rootWords).map { _ in Self.randomWord(in: table, using: &random) }
    }

    /// Mostly words that lead nowhere, so that reachability stays partial and interesting.
    static func randomWord(in table: AllocationTable, using random: inout SplitMix64) -> UInt64 {
        guard !table.isEmpty else { return random.next() }
        let row = Int.random(in: 0..<table.count, using: &random)
        let start = table.addresses[row]
        switch UInt64.random(in: 0..<20, using: &random) {
        case 0..<9: return 0
        case 9..<12: return start
        case 12..<14: return start + UInt64.random(in: 0..<max(1, table.sizes[row]), using: &random)
        case 14..<16: return start + table.sizes[row]
        default: return random.next()
        }
    }
}

/// Reachability computed the slow, obvious way: every word found by a linear scan of the rows,
/// then marks spread until nothing changes. Shares no code with the module under test.
struct ReachabilityOracle {
    let table: AllocationTable
    let memory: WordMemory

    /// The allocated row holding `value`, by linear scan.
    func row(containing value: UInt64) -> Int? {
        (0..<table.count).first { row in
            table.states[row] != .free && value >= table.addresses[row]
                && value - table.addresses[row] < table.sizes[row]
        }
    }

    /// Rows pointed to by the aligned words of `[start, end)` that `isPointer(wordIndex)`
    /// selects, word index counted from `start`, in memory order.
    func targets(from start: UInt64, to end: UInt64, isPointer: (Int) -> Bool = { _ in true }) -> [Int] {
        var result: [Int] = []
        var address = (start + 7) / 8 * 8
        var index = 0
        while address + 8 <= end {
            if isPointer(index), let value = memory.word(at: address), let row = row(containing: value) {
                result.append(row)
            }
            address += 8
            index += 1
        }
        return result
    }

    func rootRows(_ roots: MarkRoots) -> [Int] {
        roots.words.compactMap { row(containing: $0) }
            + roots.ranges.flatMap { targets(from: $0.range.start.rawValue, to: $0.range.end.rawValue) }
    }

    func edges(isPointer: (Int, Int) -> Bool = { _, _ in true }) -> [[Int]] {
        (0..<table.count).map { row in
            guard table.states[row] != .free else { return [] }
            return targets(from: table.addresses[row], to: table.addresses[row] + table.sizes[row]) {
                isPointer(row, $0)
            }
        }
    }

    /// Fixed-point iteration over all rows until no mark is added.
    static func reachable(rowCount: Int, roots: [Int], edges: [[Int]], heldBack: Set<Int> = []) -> [Bool] {
        var marked = [Bool](repeating: false, count: rowCount)
        for row in roots where !heldBack.contains(row) { marked[row] = true }
        var changed = true
        while changed {
            changed = false
            for row in 0..<rowCount where marked[row] {
                for target in edges[row] where !marked[target] && !heldBack.contains(target) {
                    marked[target] = true
                    changed = true
                }
            }
        }
        return marked
    }
}
