import Analysis
import CoreFile
import ProcessImage

/// Propagates Go types through a heap: a worklist of typed values, never recursion.
///
/// A value is an address and a type. Walking one reads its pointer-shaped words the way the
/// type says (pointer, slice, string, interface, func, chan, map) and pushes its pointerful
/// fields and elements as values of their own. A pointer to the start of an object (to
/// slot+8 behind a malloc header) types the object and queues its contents; a pointer inside
/// an object walks the value it points to without retyping the object. The first type that
/// reaches an object wins, except that a header or `largeType` is never overridden, and an
/// object typed `T` may be renamed `[n]T` when a slice of cap n reaches it (a slice names
/// its backing array exactly, a pointer to its first element does not).
struct GoHeapTypeWalker {
    /// Nothing in a core makes a slice, array or map larger than this many elements believable.
    static let maxElements: UInt64 = 1 << 28

    let table: AllocationTable
    let spans: GoSpanTable
    let catalog: GoTypeCatalog
    let memory: MemoryReader
    let layout: GoRuntimeLayout
    /// The function whose code holds an address (the pclntab's), to name closures.
    let functionName: (Address) -> String?
    let hasMallocHeaders: Bool
    let hasSwissMaps: Bool
    private let words: GoHeapWordWindow
    /// The heap's pointers, extracted by marking's sequential pass with where each lies: a
    /// pointer field of a heap object is then found among its row's edges, not read at random.
    var graph: ObjectGraph?

    /// Each row's type, its source, and whether it was walked; see `GoHeapRowState`.
    private(set) var rowStates: [GoHeapRowState]
    /// Interior values already walked (address, type): interior pointers do not type a row.
    private var interiorWalked = Set<InteriorValue>()
    private var pending: [PendingValue] = []
    /// By type id, filled as types are met: which runtime structure a type is, if any.
    var specialKinds: [GoSpecialType?] = []
    var closureIDs: [UInt64: TypeID] = [:]
    /// By struct type id: its pointerful fields, in `fieldOffsets` and `fieldTypes`.
    private var fieldRanges: [Range<Int>?] = []
    private var fieldOffsets: [UInt64] = []
    private var fieldTypes: [TypeID] = []
    var counters = GoHeapTypingCounters()

    init(table: AllocationTable, spans: GoSpanTable, catalog: GoTypeCatalog, memory: MemoryReader, layout: GoRuntimeLayout,
         functionName: @escaping (Address) -> String?) {
        self.table = table
        self.spans = spans
        self.catalog = catalog
        self.memory = memory
        words = GoHeapWordWindow(memory: memory)
        self.layout = layout
        self.functionName = functionName
        hasMallocHeaders = layout.release?.hasMallocHeaders ?? false
        hasSwissMaps = layout.release?.hasSwissMaps ?? false
        rowStates = GoHeapRowState.initial(table: table, spans: spans, hasMallocHeaders: hasMallocHeaders)
    }

    // MARK: - Rows

    func span(ofRow row: Int) -> Int { GoHeap.AllocatorWord.span(of: table.allocatorWords[row]) }

    /// Whether the row's slot starts with a malloc header: Go 1.22+, a small scan span of objects over 512 B.
    @inline(__always)
    func hasHeader(_ row: Int) -> Bool { rowStates[row].flags & GoHeapRowState.header != 0 }

    func dataStart(ofRow row: Int) -> UInt64 { table.addresses[row] + (hasHeader(row) ? 8 : 0) }
    func end(ofRow row: Int) -> UInt64 { table.addresses[row] + table.sizes[row] }

    /// Types a row from a source that names it exactly, and queues all of its data as
    /// elements of `type` (a header or `largeType` names an array's element).
    mutating func typeDirectly(_ row: Int, as type: TypeID, source: GoHeapTypeSource) {
        rowStates[row].type = type
        rowStates[row].source = source
        rowStates[row].flags |= GoHeapRowState.walked
        let start = dataStart(ofRow: row)
        pushElements(at: start, of: type, upTo: end(ofRow: row), place: place(ofRow: row))
    }

    mutating func setRowType(_ row: Int, _ type: TypeID) { rowStates[row].type = type }

    // MARK: - Claiming objects

    /// `pointer` points to a value of `type`. Returns true when that typed an object afresh.
    @discardableResult
    mutating func claim(_ pointer: UInt64, as type: TypeID, walk: Bool = true) -> Bool {
        claim(FollowedPointer(value: pointer, target: -1), as: type, walk: walk)
    }

    /// As `claim(_:as:walk:)`, for a pointer whose row may be known already (from the graph).
    @discardableResult
    mutating func claim(_ pointer: FollowedPointer, as type: TypeID, walk: Bool = true) -> Bool {
        guard pointer.value != 0, let row = pointer.target >= 0 ? pointer.target : allocatedRow(containing: pointer.value),
              let record = catalog.record(of: type) ?? fallbackRecordless(type) else { return false }
        let pointer = pointer.value
        let start = dataStart(ofRow: row)
        let limit = end(ofRow: row)
        guard pointer == start else {
            if walk, pointer > start, record.hasPointers, interiorWalked.insert(InteriorValue(address: pointer, type: type)).inserted {
                push(pointer, type, limit: limit, place: place(ofRow: row))
            }
            return false
        }
        let state = rowStates[row]
        guard record.size <= limit - start, !isTinyBlock(state, typeSize: record.size) else {
            counters.misfits += 1
            return false
        }
        let current = state.type
        if current == .unknown {
            rowStates[row].type = type
            rowStates[row].source = .propagated
        } else if current != type, record.kind == .array, record.elem == current || catalog.record(of: current)?.elem == record.elem,
                  (catalog.record(of: current)?.size ?? 0) <= record.size, state.source != .largeType || record.elem == current {
            rowStates[row].type = type
        } else if current != type, state.flags & GoHeapRowState.secondTypeSeen == 0 {
            // Judged once per row: the names it takes to judge are not built per claim.
            rowStates[row].flags |= GoHeapRowState.secondTypeSeen
            if !isView(type, atStartOf: current), !isView(current, atStartOf: type), isProgramType(current) || isProgramType(type) {
                counters.conflicts += 1
            }
        }
        if walk, state.flags & GoHeapRowState.walked == 0, record.hasPointers {
            rowStates[row].flags |= GoHeapRowState.walked
            push(start, type, limit: limit, place: place(ofRow: row))
        }
        return current == .unknown
    }

    /// Types for which the catalog has no record (closures, runtime internals) claim rows without walking them.
    private func fallbackRecordless(_ type: TypeID) -> GoTypeRecord? {
        guard type != .unknown else { return nil }
        return GoTypeRecord(descriptor: .zero, size: 0, ptrBytes: 0, kind: .invalid, tflag: 0, pointerMask: .none,
                            elem: .unknown, key: .unknown, mapStorage: .unknown, arrayLength: 0, links: 0..<0,
                            parameterCount: 0, isVariadic: false, isDirectInterface: false)
    }

    /// Whether `type` is what lies at offset 0 of a `container`, at any depth: its first field
    /// (`runtime.mPadded` starts with a `runtime.m`) or its element (a pointer to an array's
    /// first element). Reaching an object as such a type is another view of the same bytes,
    /// not a conflict worth a note.
    private func isView(_ type: TypeID, atStartOf container: TypeID) -> Bool {
        var outer = container
        for _ in 0..<8 {
            guard let record = catalog.record(of: outer) else { return false }
            let inner: TypeID
            switch record.kind {
            case .array:
                inner = record.elem
            case .struct:
                guard let first = catalog.links(of: outer).first, first.offset == 0 else { return false }
                inner = first.type
            default:
                return false
            }
            if inner == type { return true }
            outer = inner
        }
        return false
    }

    /// A 16-byte noscan slot reached as a smaller type is a tiny-allocator block holding
    /// several objects: naming the block after one of them would count it wrongly.
    private func isTinyBlock(_ state: GoHeapRowState, typeSize: UInt64) -> Bool {
        state.flags & GoHeapRowState.tinySlot != 0 && typeSize < 16 && typeSize > 0
    }

    // MARK: - The worklist

    /// Queues the value of `type` at `address`, which lies in `place` (`.outside` the heap, or
    /// unknown: its pointers are then read from the core).
    mutating func push(_ address: UInt64, _ type: TypeID, limit: UInt64, place: HeapPlace = .outside) {
        pending.append(PendingValue(address: address, type: type, limit: limit, place: place))
    }

    /// Queues `[n]type` from `start`, as many whole elements as fit before `limit`.
    mutating func pushElements(at start: UInt64, of type: TypeID, upTo limit: UInt64, place: HeapPlace) {
        guard let record = catalog.record(of: type), record.hasPointers, record.size > 0, limit > start else { return }
        let count = min((limit - start) / record.size, Self.maxElements)
        for index in 0..<count { push(start + index * record.size, type, limit: limit, place: place) }
    }

    mutating func propagate() {
        while let value = pending.popLast() {
            walkValue(value)
        }
    }

    func word(at address: UInt64) -> UInt64 { words.word(at: address) }

    private mutating func walkValue(_ value: PendingValue) {
        guard let record = catalog.record(of: value.type), record.hasPointers else { return }
        let address = value.address
        switch record.kind {
        case .pointer:
            claim(pointer(at: address, in: value.place), as: record.elem)
        case .slice:
            let data = pointer(at: address, in: value.place)
            guard data.value != 0 else { return }
            let capacity = word(at: address + 16)
            guard capacity > 0, capacity <= Self.maxElements,
                  let array = catalog.arrayType(of: record.elem, count: capacity) else { return }
            claim(data, as: array)
        case .string:
            claim(pointer(at: address, in: value.place), as: stringDataType(), walk: false)
        case .interface:
            walkInterface(at: address, typeWord: word(at: address), isEmpty: catalog.links(of: value.type).isEmpty,
                          limit: value.limit, place: value.place)
        case .func:
            claimClosure(pointer(at: address, in: value.place))
        case .chan:
            claimChannel(pointer(at: address, in: value.place).value, element: record.elem)
        case .map:
            claimMap(pointer(at: address, in: value.place).value, record: record)
        case .struct:
            walkStruct(value, record: record)
        case .array:
            guard let element = catalog.record(of: record.elem), element.hasPointers, element.size > 0 else { return }
            let room = value.limit > address ? (value.limit - address) / element.size : 0
            let count = min(record.arrayLength, room, Self.maxElements)
            for index in 0..<count { push(address + index * element.size, record.elem, limit: value.limit, place: value.place) }
        default:
            break
        }
    }

    /// An interface at `address`: the type word (a type for `any`, an itab otherwise) names the value.
    mutating func walkInterface(at address: UInt64, typeWord: UInt64, isEmpty: Bool, limit: UInt64, place: HeapPlace = .outside) {
        guard typeWord != 0 else { return }
        let concrete = isEmpty ? catalog.type(at: Address(typeWord)) : catalog.type(ofITab: Address(typeWord))
        guard let concrete, let record = catalog.record(of: concrete) else {
            counters.unreadableInterfaces += 1
            return
        }
        if record.isDirectInterface {
            push(address + 8, concrete, limit: max(limit, address + 16), place: place)
        } else {
            claim(pointer(at: address + 8, in: place), as: concrete)
        }
    }

    private mutating func walkStruct(_ value: PendingValue, record: GoTypeRecord) {
        switch specialKind(of: value.type) {
        case .emptyInterface:
            walkInterface(at: value.address, typeWord: word(at: value.address), isEmpty: true, limit: value.limit, place: value.place)
            return
        case .pool:
            claimPoolLocals(value.address, pool: value.type)
        case .poolChainElement:
            claimPoolChainNeighbours(value.address, element: value.type)
        case .mapBucket:
            claimOverflowBucket(of: value.address, bucket: value.type)
        case .ordinary:
            break
        }
        let fields = pointerFields(of: value.type)
        for index in fields { push(value.address + fieldOffsets[index], fieldTypes[index], limit: value.limit, place: value.place) }
    }

    /// The fields of a struct that can hold pointers, listed once per type: a heap of
    /// millions of one struct walks the same few fields millions of times.
    private mutating func pointerFields(of type: TypeID) -> Range<Int> {
        let index = Int(type.rawValue)
        if index < fieldRanges.count, let known = fieldRanges[index] { return known }
        if fieldRanges.count <= index { fieldRanges.append(contentsOf: repeatElement(nil, count: index + 1 - fieldRanges.count)) }
        let first = fieldOffsets.count
        for link in catalog.links(of: type) where catalog.record(of: link.type)?.hasPointers == true {
            fieldOffsets.append(link.offset)
            fieldTypes.append(link.type)
        }
        fieldRanges[index] = first..<fieldOffsets.count
        return first..<fieldOffsets.count
    }
}

/// A value waiting to be walked: `limit` bounds arrays to the object (or global) holding it,
/// `place` is that object's row and edges (`.outside` for a global).
struct PendingValue {
    var address: UInt64
    var type: TypeID
    var limit: UInt64
    var place: HeapPlace
}

struct InteriorValue: Hashable {
    var address: UInt64
    var type: TypeID
}

/// Why values were dropped, for the summary's notes.
struct GoHeapTypingCounters {
    /// A pointer to an object's start whose type does not fit it, or names a tiny block.
    var misfits = 0
    /// Objects reached as two unrelated types, one of the program's own (not the standard
    /// library's: the runtime's unsafe.Pointer casts reach a few of its objects so on every
    /// core), neither the other's first field or element: the first stayed.
    var conflicts = 0
    var unreadableInterfaces = 0
    var largeInFlight = 0
    var emptyHeaders = 0
    var unreadableHeaders = 0
    /// Globals outside the standard library whose DWARF type has no descriptor (the runtime's
    /// own have many: internal structs and atomics no allocation names, holding no program objects).
    var unresolvedGlobals = 0
    var unreadableMaps = 0
    var poolWithoutLocalType = 0
    /// Pointer fields of heap objects found in the object graph, and those read from the core.
    var graphPointers = 0
    var readPointers = 0
}
