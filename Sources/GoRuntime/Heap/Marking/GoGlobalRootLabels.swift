import Analysis
import CoreFile
import ProcessImage

/// The executable's global variables with their run-time extents, sorted by address: from
/// DWARF, else from the ELF symbol table (a binary linked with `-w` only); empty for a
/// stripped binary (`-s -w`).
struct GlobalVariables {
    struct Variable {
        var start: UInt64
        var end: UInt64
        var name: String
        var typeName: String
    }

    /// The pools' registries: what they reach is pool contents, whoever allocated the pool.
    static let poolRegistries: Set<String> = ["sync.allPools", "sync.oldPools"]

    let variables: [Variable]

    init(go: GoProcess, executable: ELFImage?) {
        let bias = go.globals.bias
        if let dwarf = go.globals.dwarf {
            variables = dwarf.typedVariables().compactMap { variable -> Variable? in
                guard let size = dwarf.variableSize(variable.name), size > 0 else { return nil }
                let start = variable.address &+ bias
                return Variable(start: start, end: start &+ size, name: variable.name, typeName: variable.typeName)
            }.sorted { ($0.start, $0.name) < ($1.start, $1.name) }
        } else {
            variables = (executable?.objectSymbols() ?? []).map { symbol in
                let start = symbol.address &+ bias
                return Variable(start: start, end: start &+ symbol.size, name: symbol.name, typeName: "")
            }.sorted { ($0.start, $0.name) < ($1.start, $1.name) }
        }
    }

    /// What a user calls the root: a `sync.Pool` variable (its per-P caches hold the pooled
    /// objects) or a pool registry is a pool; anything else a global.
    static func label(of variable: Variable) -> RootLabel {
        let isPool = variable.typeName == "sync.Pool" || poolRegistries.contains(variable.name)
        return RootLabel(kind: isPool ? .pool : .global, name: variable.name,
                         detail: variable.typeName.isEmpty ? "ELF symbol, no DWARF type" : variable.typeName)
    }
}

extension GoMarkRoots {
    /// Adds the pointer words of one data or bss section, labeled by the variable that holds
    /// them.
    ///
    /// Each variable gets one range, from its first to its last pointer word, read through
    /// the section's GC bitmap from the variable's own bit, so the words scanned are exactly
    /// those the unlabeled section range would scan. A pointer word no variable covers (all
    /// of them in a stripped binary, whose only names are the pclntab's functions) gets a
    /// label of its own, `.bss+0x1a0`: one label per word rather than per run, because a run
    /// of unnamed words is a whole section in a stripped binary, and one root for all of bss
    /// would retain nothing a user could act on; a word offset maps back to a variable through
    /// the same release's binary with symbols. Only unnamed words that point into an
    /// allocation get a label, so there are as many as the heap needs, not one per word.
    mutating func addGlobals(in range: AddressRange, section: String, bitmap: ByteView, bitCount: Int,
                             variables: GlobalVariables, heap: GoHeap, memory: MemoryReader) {
        let base = range.start.rawValue
        let wordCount = min(bitCount, Int(range.size / 8), bitmap.count * 8)
        var next = variables.variables.firstIndex { $0.end > base } ?? variables.variables.count
        // The range being built: its owner's index in `variables` and its first and last word.
        var current: (owner: Int, first: Int, last: Int)?
        func flush(_ roots: inout MarkRoots) {
            guard let run = current else { return }
            let label = roots.addLabel(GlobalVariables.label(of: variables.variables[run.owner]))
            let words = AddressRange(start: Address(base + UInt64(run.first) * 8), end: Address(base + UInt64(run.last + 1) * 8))
            roots.ranges.append(MarkRoots.Range(words, pointers: .bitmap(bitmap, bitCount: bitCount,
                                                                         elementBytes: UInt64(bitCount) * 8,
                                                                         firstBit: run.first),
                                                label: label))
            current = nil
        }
        let bits = bitmap.base
        for word in 0..<wordCount where bits[word >> 3] & (1 << UInt8(word & 7)) != 0 {
            let address = base + UInt64(word) * 8
            while next < variables.variables.count, variables.variables[next].end <= address { next += 1 }
            if next < variables.variables.count, variables.variables[next].start <= address {
                if current?.owner != next {
                    flush(&roots)
                    current = (next, word, word)
                } else {
                    current?.last = word
                }
                continue
            }
            flush(&roots)
            guard let value = try? memory.readUInt64(at: Address(address)),
                  heap.table.row(containing: Address(value)) != nil else { continue }
            let label = roots.addLabel(RootLabel(kind: .global, name: "\(section)+0x\(String(word * 8, radix: 16))",
                                                 detail: "no symbol covers this word"))
            roots.ranges.append(MarkRoots.Range(AddressRange(start: Address(address), size: 8), label: label))
        }
        flush(&roots)
    }
}
