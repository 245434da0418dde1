import Analysis
import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Why: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Why a Go heap object is alive: one shortest path from a root to the object holding ADDR, one step a line, and its immediate dominator; for garbage, that it is unreachable and what points to it.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    @Argument(help: "An address inside the object (hex with 0x, or decimal); any byte of it will do.")
    var address: Address

    @Option(help: "List at most this many objects pointing to a garbage object.")
    var predecessors = 20

    func run() throws {
        try CommandRunner.run(command: "why", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let native = try NativeSymbols(process: process, search: options.search)
            let go: GoProcess
            do {
                go = try GoProcess(process: process, native: native)
            } catch GoRuntimeError.notGo {
                throw CategorizedFailure(.unsupportedHeap, subject: options.core, underlying: NotAGoProgram())
            } catch {
                throw CategorizedFailure(.goRuntimeUnreadable, subject: options.core, underlying: error)
            }
            var heap = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                try GoHeap.read(process: process, go: go)
            }
            let catalog = try? GoTypeCatalog(process: go, memory: process.memory, types: heap.typeTable)
            let typing = catalog.map { GoHeapTyping.assignTypes(to: &heap, catalog: $0, process: process, go: go) }
            let marking = heap.marked(process: process, go: go, catalog: catalog)
            let finder = GoHeapPathFinder(heap: heap, marking: marking, catalog: catalog, process: go, memory: process.memory,
                                          threads: process.threads)
            // The dominator tree costs a pass over the whole graph: only for an address worth it.
            guard marking.table.row(containing: address) != nil,
                  let why = finder.why(address, dominators: DominatorTree(graph: marking.graph, sizes: marking.table.sizes),
                                       predecessorLimit: predecessors) else {
                throw CategorizedFailure(.addressNotInHeap, subject: options.core, underlying: NotAHeapObject(address: address))
            }
            let report = WhyReport(why)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: process.warnings + go.allWarnings + heap.warnings + (typing?.warnings ?? [])
                                      + marking.warnings,
                                  notes: (typing?.notes ?? []) + marking.notes)
        }
    }
}

extension Address: ExpressibleByArgument {
    /// `0x` followed by hex digits, or a decimal number.
    public init?(argument: String) {
        let value = argument.lowercased().hasPrefix("0x") ? UInt64(argument.dropFirst(2), radix: 16) : UInt64(argument)
        guard let value else { return nil }
        self.init(value)
    }
}

private struct NotAHeapObject: Error, CustomStringConvertible {
    var address: Address
    var description: String { "\(address.hex) is in no allocated heap object (a free slot, or outside the Go heap)" }
}

private struct NotAGoProgram: Error, CustomStringConvertible {
    var description: String { "not a Go program (no Go build info): why reads Go heaps only for now" }
}
