import Analysis
import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Why: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Why a Go heap object or a glibc malloc chunk is alive: one shortest path from a root to the object holding ADDR, one step a line (for Go, its immediate dominator too); for garbage or a leak, what points to it.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    @Argument(help: "An address inside the object (hex with 0x, or decimal); any byte of it will do.")
    var address: Address

    @Option(help: "List at most this many objects pointing to a garbage object.")
    var predecessors = 20

    func run() throws {
        if try runNativeUnlessGo() { return }
        try CommandRunner.run(command: "why", options: options) {
            let marked = try MarkedGoHeap.open(options: options, notGo: NotAGoProgram())
            let marking = marked.marking
            let finder = GoHeapPathFinder(heap: marked.heap, marking: marking, catalog: marked.catalog, process: marked.go,
                                          memory: marked.process.memory, threads: marked.process.threads)
            // The dominator tree costs a pass over the whole graph: only for an address worth it.
            guard marking.table.row(containing: address) != nil,
                  let why = finder.why(address, dominators: DominatorTree(graph: marking.graph, sizes: marking.table.sizes),
                                       predecessorLimit: predecessors) else {
                throw CategorizedFailure(.addressNotInHeap, subject: options.core, underlying: NotAHeapObject(address: address))
            }
            let report = WhyReport(why)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: marked.warnings, notes: marked.notes)
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
    var description: String { "neither a Go program (no Go build info) nor one using glibc malloc: why reads only those heaps" }
}
