import Analysis
import CoreFile
import ProcessImage

/// Lists the allocated objects of checked spans into an `AllocationTable`.
enum GoHeapObjects {
    /// The spans in address order, as a table; a span overlapping the one before it is
    /// reported and left out, so no address belongs to two spans.
    static func spanTable(of found: [GoSpan], problems: inout GoSpanProblems) -> GoSpanTable {
        var table = GoSpanTable()
        var previousEnd = Address.zero
        for span in found.sorted(by: { $0.start < $1.start }) {
            if span.start < previousEnd {
                problems.record(.overlapping, span: span.address)
                continue
            }
            table.append(span)
            previousEnd = span.end
        }
        return table
    }

    /// One row per allocated object, in address order. Reads each span's allocBits once; a
    /// span whose bits are unreadable keeps its row in `spans` but contributes no objects.
    static func collect(spans: GoSpanTable, memory: MemoryReader, typeTable: inout TypeTable,
                        problems: inout GoSpanProblems) -> AllocationTableBuild {
        var builder = AllocationTableBuilder()
        builder.reserveCapacity(spans.allocCounts.reduce(0) { $0 + Int($1) })
        var classTypes: [Int: TypeID] = [:]
        // The span's allocBits, copied once per span into words: testing a bit per object is
        // then a shift, not a call through the memory API.
        var bitWords: [UInt64] = []
        let progress = ProgressReporting.start("walking Go heap spans", total: UInt64(spans.count), unit: .items)
        defer { progress.finish(UInt64(spans.count)) }
        for span in 0..<spans.count {
            if span & 1023 == 0 { progress.update(UInt64(span)) }
            if span & 255 == 0, AnalysisDeadline.expired(in: "the Go object listing") { break }
            let count = Int(spans.elementCounts[span])
            let wordCount = (count + 63) / 64
            bitWords.removeAll(keepingCapacity: true)
            bitWords.append(contentsOf: repeatElement(0, count: wordCount))
            let read: Void? = bitWords.withUnsafeMutableBytes { words in
                try? memory.read(into: UnsafeMutableRawBufferPointer(rebasing: words[0..<((count + 7) / 8)]),
                                 at: Address(spans.allocBits[span]))
            }
            guard read != nil else {
                problems.record(.unreadableAllocBits, span: Address(spans.spanAddresses[span]))
                continue
            }
            let sizeClass = spans.sizeClass(of: span)
            let size = spans.elementSizes[span]
            let type: TypeID
            if sizeClass == 0 {
                type = typeTable.byteCount(size)
            } else if let known = classTypes[sizeClass] {
                type = known
            } else {
                type = typeTable.sizeClass(sizeClass, size: size)
                classTypes[sizeClass] = type
            }
            let word = GoHeap.AllocatorWord.make(span: span, spanClass: spans.spanClasses[span])
            let freeIndex = Int(spans.freeIndices[span])
            let start = spans.starts[span]
            for index in 0..<count {
                // Below freeindex everything is allocated: the allocator hands out slots from
                // its allocCache without setting allocBits.
                let allocated = index < freeIndex || UInt64(littleEndian: bitWords[index >> 6]) >> UInt64(index & 63) & 1 != 0
                guard allocated else { continue }
                builder.append(address: Address(start + UInt64(index) * size), size: size, state: .unknown,
                               type: type, allocatorWord: word)
            }
        }
        return builder.build()
    }
}

/// Spans left out of the walk, counted by reason, for one warning per reason.
struct GoSpanProblems {
    private var counts: [GoSpanRejection: Int] = [:]
    private var examples: [GoSpanRejection: [Address]] = [:]

    mutating func record(_ reason: GoSpanRejection, span: Address) {
        counts[reason, default: 0] += 1
        if examples[reason, default: []].count < 3 { examples[reason, default: []].append(span) }
    }

    func count(_ reason: GoSpanRejection) -> Int { counts[reason] ?? 0 }

    func warnings() -> [Warning] {
        GoSpanRejection.allCases.compactMap { reason in
            guard let count = counts[reason] else { return nil }
            let shown = examples[reason, default: []].map(\.hex).joined(separator: ", ")
            return Warning("\(count) Go heap spans skipped: \(reason.rawValue) (mspan \(shown)\(count > 3 ? ", …" : ""))",
                           kind: .unreadableGoRuntime, count: count)
        }
    }
}
