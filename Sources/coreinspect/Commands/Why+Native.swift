import Analysis
import CoreFile
import GlibcMalloc
import GoRuntime
import ProcessImage
import Reports
import Symbols

extension Why {
    /// `why` on a glibc heap: runs it and returns true for a program without Go build info
    /// whose libc is glibc; returns false otherwise, for the Go path to handle.
    func runNativeUnlessGo() throws -> Bool {
        guard let process = options.openGlibcProgram() else { return false }
        try CommandRunner.run(command: "why", options: options) {
            let symbols = try? NativeSymbols(process: process, search: options.search)
            let heap = try GlibcHeap.read(process: process, symbols: symbols)
            guard let row = heap.table.row(containing: address) else {
                throw CategorizedFailure(.addressNotInHeap, subject: options.core, underlying: NotAMallocChunk(address: address))
            }
            let report = NativeWhy(heap: heap, process: process, symbols: symbols, predecessorLimit: predecessors)
                .report(row: row, address: address)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: process.warnings + heap.warnings, notes: heap.notes)
        }
        return true
    }
}

/// Names what `NativeLeakCheck.path(to:)` finds in the user's terms: a global by its ELF symbol
/// (module + offset without one), a stack word by its thread and frame, each heap step by the
/// offset of its pointer (after the C++ class where a vtable names it).
private struct NativeWhy {
    let heap: GlibcHeap
    let process: ProcessImage
    let symbols: NativeSymbols?
    let predecessorLimit: Int

    func report(row: Int, address: Address) -> NativeWhyReport {
        let table = heap.table
        guard table.states[row].isAllocated else {
            return NativeWhyReport(address: address, object: chunk(row, state: LeakKind.free.name), root: nil, steps: [], leader: nil,
                                   freeIn: heap.word(of: row).place.name, predecessors: [], omittedPredecessors: 0, successors: [])
        }
        let check = NativeLeakCheck(table: table, process: process, allocatorOwned: heap.isLibcOwned,
                                    headerBytes: GlibcHeap.chunkHeaderBytes)
        let kinds = check.classification.kinds
        let object = chunk(row, state: kinds[row].name)
        guard !kinds[row].isLeak || kinds[row] == .possible,
              let path = NativePathFinder(check: check, table: table, memory: process.memory,
                                          headerBytes: GlibcHeap.chunkHeaderBytes).path(to: row)
        else {
            let leader = check.classification.leader(of: row).flatMap { $0 == row ? nil : chunk($0, state: kinds[$0].name) }
            let (before, total) = check.predecessors(of: row, limit: predecessorLimit)
            var after: [Int] = []
            for target in check.graph.successors(of: row).map(\.row) where !after.contains(target) { after.append(target) }
            return NativeWhyReport(address: address, object: object, root: nil, steps: [], leader: leader, freeIn: nil,
                                   predecessors: before.map { chunk($0, state: kinds[$0].name) },
                                   omittedPredecessors: total - before.count,
                                   successors: after.map { chunk($0, state: kinds[$0].name) })
        }
        let root = name(path.start, roots: check.roots.roots)
        let first = chunk(path.rows[0], state: kinds[path.rows[0]].name)
        var steps = [NativeWhyReport.step(from: root.name, to: first, via: root.name, address: wordAddress(path.start))]
        for step in path.steps {
            let source = chunk(step.from, state: kinds[step.from].name)
            let offset = step.offset.map { "+0x" + String($0, radix: 16) } ?? "+?"
            steps.append(NativeWhyReport.step(from: source.address, to: chunk(step.to, state: kinds[step.to].name),
                                              via: (isClass(step.from) ? source.type : "") + offset,
                                              address: step.offset.map { Address(table.addresses[step.from] + $0) }))
        }
        return NativeWhyReport(address: address, object: object, root: root, steps: steps, leader: nil, freeIn: nil,
                               predecessors: [], omittedPredecessors: 0, successors: [])
    }

    private func chunk(_ row: Int, state: String) -> NativeWhyReport.Chunk {
        NativeWhyReport.Chunk(address: Address(heap.table.addresses[row]), size: heap.table.sizes[row],
                              type: heap.types.name(of: heap.table.typeIDs[row]), state: state)
    }

    /// Whether a vtable names the row's C++ class (an untyped row's name is only its size).
    private func isClass(_ row: Int) -> Bool { heap.types.kind(of: heap.table.typeIDs[row]) == .cppClass }

    private func wordAddress(_ start: NativePath.Start) -> Address? {
        if case .word(_, let address?) = start { return Address(address) }
        return nil
    }

    private func name(_ start: NativePath.Start, roots: MarkRoots) -> WhyReport.Root {
        switch start {
        case .rootAllocation(let row):
            let owner = heap.isLibcOwned(row) ? "libc's own block" : "a block the loader or TLS holds"
            return NativeWhyReport.root(kind: "allocation", name: Address(heap.table.addresses[row]).hex, detail: owner)
        case .word(let label, let address):
            guard label >= 0 else { return NativeWhyReport.root(kind: "register", name: "a register", detail: nil) }
            let root = roots.labels[Int(label)]
            guard let address else { return NativeWhyReport.root(kind: "register", name: root.name, detail: nil) }
            if root.kind == .global { return global(at: Address(address)) }
            if root.name.hasSuffix(NativeRoots.stackSuffix) { return stackRoot(label: root, word: Address(address)) }
            return NativeWhyReport.root(kind: "tls", name: root.name, detail: "word at " + Address(address).hex)
        }
    }

    private func global(at address: Address) -> WhyReport.Root {
        let module = process.modules.first { $0.range.contains(address) }
        let place = module.map { Self.baseName($0.name) + "+0x" + String(address.rawValue - $0.base.rawValue, radix: 16) }
            ?? address.hex
        guard let symbol = symbols?.symbol(containing: address) else {
            return NativeWhyReport.root(kind: "global", name: place, detail: nil)
        }
        let name = symbol.offset == 0 ? symbol.name : symbol.name + "+0x" + String(symbol.offset, radix: 16)
        return NativeWhyReport.root(kind: "global", name: name, detail: place)
    }

    /// The frame whose stack slice, from its SP up to its caller's, holds `word`.
    private func stackRoot(label: RootLabel, word: Address) -> WhyReport.Root {
        guard let thread = process.threads.first(where: { "thread \($0.tid)" == label.group }), let symbols else {
            return NativeWhyReport.root(kind: "stack", name: label.group, detail: "word at " + word.hex)
        }
        let frames = symbols.physicalFrames(of: thread).frames
        var index = 0
        for (number, frame) in frames.enumerated() {
            guard let sp = frame.sp, sp <= word else { break }
            index = number
        }
        guard index < frames.count else {
            return NativeWhyReport.root(kind: "stack", name: label.group, detail: "word at " + word.hex)
        }
        let function = symbols.frames(at: frames[index].pc, isActivation: frames[index].isActivation).last?.function ?? "??"
        return NativeWhyReport.root(kind: "stack", name: "\(label.group) frame #\(index) \(function)", detail: "word at " + word.hex)
    }

    private static func baseName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}

private struct NotAMallocChunk: Error, CustomStringConvertible {
    var address: Address
    var description: String { "\(address.hex) is in no malloc chunk (outside the heap, a chunk header, or the top chunk)" }
}
