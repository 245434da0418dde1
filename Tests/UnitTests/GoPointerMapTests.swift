import Analysis
import CoreFile
@testable import GoRuntime
import ProcessImage
import XCTest

/// Each release's pointer map over synthetic memory, through the real mark: a word the map
/// selects keeps its target alive, a word it does not select (a scalar that happens to hold an
/// object's address) does not.
final class GoPointerMapTests: XCTestCase {
    private let heapStart: UInt64 = 0x10_0000
    /// Targets live far from the objects that point at them: 16-byte objects of their own.
    private let targets: [UInt64] = (0..<4).map { 0x80_0000 + UInt64($0) * 16 }

    private func span(start: UInt64, elementSize: UInt64, count: UInt32, spanClass: UInt8,
                      heapBits: UInt64 = 0, largeType: UInt64 = 0) -> GoSpan {
        GoSpan(address: Address(0x70_0000), start: Address(start), pageCount: 1, elementSize: elementSize, elementCount: count,
               spanClass: spanClass, state: 1, allocBits: .zero, freeIndex: count, allocCount: count,
               largeType: Address(largeType), specials: .zero, heapBits: Address(heapBits))
    }

    /// Marks from `root` with `map` over `objects` (each in span 0 of `spans`) and the targets
    /// (in span 1, noscan); returns which targets were reached.
    private func reachedTargets(objects: [(address: UInt64, size: UInt64)], spanClass: UInt8, memory: SyntheticMemory,
                                map: (GoSpanTable) -> GoPointerMap, spans: GoSpanTable) -> [Bool] {
        var builder = AllocationTableBuilder()
        for object in objects {
            builder.append(address: Address(object.address), size: object.size, state: .unknown,
                           allocatorWord: GoHeap.AllocatorWord.make(span: 0, spanClass: spanClass))
        }
        for target in targets {
            builder.append(address: Address(target), size: 16, state: .unknown,
                           allocatorWord: GoHeap.AllocatorWord.make(span: 1, spanClass: 2 << 1 | 1))
        }
        let table = builder.build().table
        let marked = Marker(table: table, memory: memory, pointers: map(spans), threads: 2)
            .mark(from: MarkRoots(words: [objects[0].address])).marked
        return targets.map { marked[table.row(containing: Address($0))!] }
    }

    private func spanTable(_ spans: GoSpan...) -> GoSpanTable {
        var table = GoSpanTable()
        for span in spans { table.append(span) }
        return table
    }

    /// Go 1.22+: a 32-byte object whose heap bits select word 0 only; word 1 holds an address too.
    func testHeapBitsSelectTheObjectsPointerWords() {
        let memory = SyntheticMemory()
        let bitsAddress = heapStart + 8192 - 64
        memory.map(words: [targets[0], targets[1], 0, 0], at: Address(heapStart))
        // Object 0 has bit 0 (its word 0); object 1 (words 4…7) has bit 6 (its word 2).
        memory.map(words: [0b0100_0001, 0], at: Address(bitsAddress))
        memory.map(words: [0, 0, targets[2], targets[3]], at: Address(heapStart + 32))
        memory.map(words: [UInt64](repeating: 0, count: 8), at: Address(targets[0]))
        let spans = spanTable(span(start: heapStart, elementSize: 32, count: 2, spanClass: 3 << 1, heapBits: bitsAddress),
                              span(start: targets[0], elementSize: 16, count: 4, spanClass: 2 << 1 | 1))
        let reached = reachedTargets(objects: [(heapStart, 32)], spanClass: 3 << 1, memory: memory, map: {
            GoPointerMap(scheme: .heapBits, spans: $0, memory: memory, typeByDescriptor: [:], masks: nil, arenaBitmaps: [], arenaBytes: 64 << 20)
        }, spans: spans)
        XCTAssertEqual(reached, [true, false, false, false])
    }

    /// `type Node struct { next *Node; val int }`, its descriptor in a synthetic types section.
    private func nodeCatalog() throws -> (catalog: GoTypeCatalog, descriptor: UInt64) {
        let table = GoReleaseTable.all.max { ($0.goRelease ?? .go1_18) < ($1.goRelease ?? .go1_18) }!
        var writer = try SyntheticGoTypes(table: table)
        let int = 0x100, node = 0x200
        writer.header(at: int, size: 8, ptrBytes: 0, kind: .int, tflag: 0, nameOffset: writer.name("int"))
        writer.header(at: node, size: 16, ptrBytes: 8, kind: .struct, tflag: GoTypeFlags.named,
                      nameOffset: writer.name("main.Node"), gcdata: writer.data([0b1]))
        return (try writer.catalog(), writer.address(node).rawValue)
    }

    /// A 1024-byte malloc-header slot holding `[63]Node` from slot+8: element 5's `next` is
    /// followed (the bitmap repeats past element 0), its `val` is not. A large object
    /// (`largeType`) repeats the same way from its first byte.
    func testHeaderAndLargeTypeBitmapsRepeatForEveryElement() throws {
        let (catalog, descriptor) = try nodeCatalog()
        let id = try XCTUnwrap(catalog.type(at: Address(descriptor)))
        let masks = GoTypePointerMasks(catalog: catalog)
        for (spanClass, dataOffset, largeType) in [(UInt8(40 << 1), UInt64(8), UInt64(0)), (UInt8(0), 0, descriptor)] {
            let memory = SyntheticMemory()
            var words = [UInt64](repeating: 0, count: 128)
            if dataOffset == 8 { words[0] = descriptor }
            let element5 = Int(dataOffset / 8) + 5 * 2
            words[element5] = targets[0]
            words[element5 + 1] = targets[1]
            memory.map(words: words, at: Address(heapStart))
            memory.map(words: [UInt64](repeating: 0, count: 8), at: Address(targets[0]))
            let spans = spanTable(span(start: heapStart, elementSize: 1024, count: 1, spanClass: spanClass, largeType: largeType),
                                  span(start: targets[0], elementSize: 16, count: 4, spanClass: 2 << 1 | 1))
            let reached = reachedTargets(objects: [(heapStart, 1024)], spanClass: spanClass, memory: memory, map: {
                GoPointerMap(scheme: .heapBits, spans: $0, memory: memory, typeByDescriptor: [descriptor: id], masks: masks,
                             arenaBitmaps: [], arenaBytes: 64 << 20)
            }, spans: spans)
            XCTAssertEqual(reached, [true, false, false, false], "span class \(spanClass)")
        }
    }

    /// Go 1.20–1.21: one bit per arena word. A 96-byte object at word 3 of the arena (bits
    /// not on a byte boundary) and a 640-byte one at word 513 (past 64 words: the bitmap path).
    func testOneBitArenaBitmapAtAnyBitOffset() {
        let bitmap: UInt64 = 0x60_0000
        for (offset, size, pointerWord) in [(UInt64(24), UInt64(96), 9), (0x1008, 640, 70)] {
            let memory = SyntheticMemory()
            var words = [UInt64](repeating: 0, count: Int(size / 8))
            words[pointerWord] = targets[0]
            words[pointerWord + 1] = targets[1]
            memory.map(words: words, at: Address(heapStart + offset))
            var bits = [UInt8](repeating: 0, count: 4096)
            let arenaWord = Int(offset / 8) + pointerWord
            bits[arenaWord / 8] |= 1 << UInt8(arenaWord % 8)
            memory.map(bits, at: Address(bitmap))
            memory.map(words: [UInt64](repeating: 0, count: 8), at: Address(targets[0]))
            let spans = spanTable(span(start: heapStart, elementSize: size, count: 1, spanClass: 10 << 1),
                                  span(start: targets[0], elementSize: 16, count: 4, spanClass: 2 << 1 | 1))
            let reached = reachedTargets(objects: [(heapStart + offset, size)], spanClass: 10 << 1, memory: memory, map: {
                GoPointerMap(scheme: .arenaBitmapOneBit, spans: $0, memory: memory, typeByDescriptor: [:], masks: nil,
                             arenaBitmaps: [(self.heapStart, bitmap)], arenaBytes: 64 << 20)
            }, spans: spans)
            XCTAssertEqual(reached, [true, false, false, false], "object at +\(offset)")
        }
    }

    /// Go 1.19: two bits per word. Pointer bits in the low nibble, "more" bits in the high one;
    /// scanning stops at the first word without "more", even if a pointer bit follows it.
    func testTwoBitArenaBitmapStopsWhereNoMorePointersFollow() {
        let bitmap: UInt64 = 0x60_0000
        let memory = SyntheticMemory()
        // A 64-byte object at arena word 4 (byte 1 of the bitmap, shift 0): words 1 and 5 hold pointers.
        memory.map(words: [0, targets[0], targets[1], 0, 0, targets[2], 0, 0], at: Address(heapStart + 32))
        // Byte 1: words 0…3, "more" on all, pointer on word 1 only (word 2 is a scalar).
        // Byte 2: words 4…7, "more" on word 4 only; pointer bit on word 5, past the end.
        memory.map([0, 0b1111_0010, 0b0001_0010, 0], at: Address(bitmap))
        memory.map(words: [UInt64](repeating: 0, count: 8), at: Address(targets[0]))
        let spans = spanTable(span(start: heapStart + 32, elementSize: 64, count: 1, spanClass: 5 << 1),
                              span(start: targets[0], elementSize: 16, count: 4, spanClass: 2 << 1 | 1))
        let reached = reachedTargets(objects: [(heapStart + 32, 64)], spanClass: 5 << 1, memory: memory, map: {
            GoPointerMap(scheme: .arenaBitmapTwoBits, spans: $0, memory: memory, typeByDescriptor: [:], masks: nil,
                         arenaBitmaps: [(self.heapStart, bitmap)], arenaBytes: 64 << 20)
        }, spans: spans)
        XCTAssertEqual(reached, [true, false, false, false])
    }

    /// A noscan span has no pointers, whatever its words hold.
    func testNoScanSpansHoldNoPointers() {
        let memory = SyntheticMemory()
        memory.map(words: [targets[0], targets[1]], at: Address(heapStart))
        memory.map(words: [UInt64](repeating: 0, count: 8), at: Address(targets[0]))
        let spans = spanTable(span(start: heapStart, elementSize: 16, count: 1, spanClass: 2 << 1 | 1),
                              span(start: targets[0], elementSize: 16, count: 4, spanClass: 2 << 1 | 1))
        let reached = reachedTargets(objects: [(heapStart, 16)], spanClass: 2 << 1 | 1, memory: memory, map: {
            GoPointerMap(scheme: .heapBits, spans: $0, memory: memory, typeByDescriptor: [:], masks: nil, arenaBitmaps: [], arenaBytes: 64 << 20)
        }, spans: spans)
        XCTAssertEqual(reached, [false, false, false, false])
    }
}
