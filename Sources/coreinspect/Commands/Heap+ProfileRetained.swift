import Analysis
import ArgumentParser
import CoreFile
import Foundation
import GoRuntime
import ProcessImage
import Reports

/// `heap --profile-retained FILE [--profile-depth N]`: the heap walked, typed
/// and marked as for `--retained`, its dominator tree written as a pprof profile.
extension Heap {
    func runProfileRetained(process: ProcessImage?) throws {
        guard let path = profileRetainedPath else { return }
        try Self.checkWritable(path, option: "--profile-retained")
        try CommandRunner.run(command: "heap", options: options) {
            let marked = try markedGoHeap(process: process)
            let table = marked.marking.table
            let tree = DominatorTree(graph: marked.marking.graph, sizes: table.sizes)
            let profile = PprofRetainedProfile.build(tree: tree, table: table, labels: marked.marking.graph.rootLabels,
                                                     types: marked.types, maximumDepth: profileDepth)
            let bytes = try PprofHeapProfile.gzipped(profile)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            let written = HeapProfileReport.Written(path: path, samples: profile.sample.count, locations: profile.location.count,
                                                    bytes: bytes.count)
            let report = RetainedProfileReport(goVersion: marked.go.buildInfo.goVersion, profile: written, maximumDepth: profileDepth,
                                               tree: tree, table: table)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: marked.warnings, notes: marked.notes)
        }
    }
}
