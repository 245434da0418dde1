import Analysis

/// What the type walker knows of one row, packed into 8 bytes.
///
/// Propagation hops from object to object in the program's pointer order, which is random in
/// address order: every hop misses the cache and the TLB once per array it touches. Keeping
/// the row's type, source, walked bit and the two facts of its span the walker asks about in
/// one element makes a claim touch one line of walker state instead of four arrays and the
/// span table.
struct GoHeapRowState {
    var type: TypeID = .unknown
    var source: GoHeapTypeSource = .untyped
    var flags: UInt8 = 0

    /// The row's contents were queued once, as a whole.
    static let walked: UInt8 = 1
    /// The slot starts with a malloc header (Go 1.22+, a small scan span of objects over 512 B).
    static let header: UInt8 = 2
    /// A 16-byte noscan slot: a tiny-allocator block may hold several objects.
    static let tinySlot: UInt8 = 4
    /// A second type reached the row (the first stayed); whether that is a conflict worth a
    /// note was judged then, once.
    static let secondTypeSeen: UInt8 = 8

    /// Untyped rows, with the span facts filled in (computed once per span: rows of one span
    /// are consecutive).
    static func initial(table: AllocationTable, spans: GoSpanTable, hasMallocHeaders: Bool) -> [GoHeapRowState] {
        var states = [GoHeapRowState](repeating: GoHeapRowState(), count: table.count)
        var lastSpan = -1
        var flags: UInt8 = 0
        for row in 0..<table.count {
            let span = GoHeap.AllocatorWord.span(of: table.allocatorWords[row])
            if span != lastSpan {
                lastSpan = span
                let noScan = spans.isNoScan(span)
                let elementSize = spans.elementSizes[span]
                flags = 0
                if hasMallocHeaders, !noScan, spans.sizeClass(of: span) != 0, elementSize > 512 { flags |= header }
                if noScan, elementSize == 16 { flags |= tinySlot }
            }
            states[row].flags = flags
        }
        return states
    }
}

extension GoHeapTypeWalker {
    /// Each row's type so far (`.unknown` where untyped), indexed by row.
    var rowTypes: RowColumn<TypeID> { RowColumn(states: rowStates) { $0.type } }
    /// Where each row's type came from, indexed by row.
    var sources: RowColumn<GoHeapTypeSource> { RowColumn(states: rowStates) { $0.source } }

    /// One field of every row state, read as if it were an array.
    struct RowColumn<Value> {
        let states: [GoHeapRowState]
        let field: (GoHeapRowState) -> Value

        subscript(row: Int) -> Value { field(states[row]) }
    }
}
