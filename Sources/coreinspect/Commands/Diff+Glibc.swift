import Analysis
import CoreFile
import GlibcMalloc
import ProcessImage
import Reports
import Symbols

/// What `diff` keeps of one glibc core: chunks in use by type, and its leaks of every kind.
struct GlibcDiffSide {
    var version: String
    /// Chunks in use (libc's own included) by C++ class or "[N bytes]", usable bytes.
    var types: [String: Tally]
    var leaks: LeaksReport
    var warnings: [Warning]
    var notes: [Note]

    init(options: CoreOptions, process: ProcessImage) throws {
        guard GlibcLibrary.module(in: process) != nil else {
            throw CategorizedFailure(.unsupportedHeap, subject: options.core, underlying: NotAGoHeap())
        }
        let symbols = try? NativeSymbols(process: process, search: options.search)
        let heap = try GlibcHeap.read(process: process, symbols: symbols)
        version = heap.libcVersion.description
        var types: [String: Tally] = [:]
        for group in GlibcHeapReport(heap: heap, top: .max).groups {
            types[group.type, default: Tally()].count += UInt64(group.count)
            types[group.type, default: Tally()].bytes &+= group.bytes
        }
        self.types = types
        // The leak check of `leaks`, every kind selected: new leaks of any kind are reported.
        let (leaks, leakWarnings) = Leaks.check(heap: heap, process: process, kinds: Set(LeakKind.allCases.filter(\.isLeak)),
                                                maxLeakedBytes: 0, top: 0)
        self.leaks = leaks
        warnings = process.warnings + heap.warnings + leakWarnings
        notes = heap.notes
    }
}

extension Diff {
    func diffGlibc(old oldCore: (CoreOptions, ProcessImage), new newCore: (CoreOptions, ProcessImage), buildID: String?) throws -> DiffOutcome {
        let (oldOptions, newOptions) = (oldCore.0, newCore.0)
        let old = try GlibcDiffSide(options: oldOptions, process: oldCore.1)
        let new = try GlibcDiffSide(options: newOptions, process: newCore.1)
        let types = Growth.rows(old: old.types, new: new.types)
        let totals = Growth(key: "total", old: Tally.sum(old.types.values), new: Tally.sum(new.types.values))
        var report = DiffReport(heap: "glibc \(new.version)", old: oldOptions.core, new: newOptions.core, buildID: buildID,
                                types: types, totals: totals, top: top)
        report.addLeaks(old: old.leaks, new: new.leaks)
        if let profilePath, let fresh = report.leaks?.allocations {
            report.profile = try ProfileFile.write(PprofNamedProfile.leaks(fresh), to: profilePath)
        }
        return DiffOutcome(result: report, types: types, warnings: old.warnings + new.warnings, notes: old.notes + new.notes)
    }
}
