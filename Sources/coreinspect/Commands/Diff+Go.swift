import Analysis
import CoreFile
import GoRuntime
import ProcessImage
import Reports

/// What `diff` keeps of one Go core: small summaries, so that the first
/// core's heap is released before the second is walked.
struct GoDiffSide {
    var goVersion: String
    /// Live objects (reachable from the runtime's roots) by type name.
    var types: [String: Tally]
    /// Live and garbage: what MemStats counts.
    var allocated: Tally
    var groups: [GoroutineGroup]
    var profile: GoMemoryProfile?
    var sites: GoAllocationSites?
    /// Where the executable's text was loaded: the slide between two cores' PCs.
    var executableStart: UInt64
    var warnings: [Warning]
    var notes: [Note]

    init(_ marked: MarkedGoHeap, core: String, maxFrames: Int = 256) {
        goVersion = marked.go.buildInfo.goVersion
        let summary = GoHeapSummary(table: marked.marking.table, types: marked.types, grouping: .type, order: .bytes, top: .max)
        var types: [String: Tally] = [:]
        for row in summary.rows where row.live.count > 0 {
            types[row.key, default: Tally()].count += row.live.count
            types[row.key, default: Tally()].bytes &+= row.live.bytes
        }
        self.types = types
        allocated = summary.totals.allocated
        let go = marked.go, process = marked.process
        groups = GoroutineGroup.group(go.snapshots(threads: process.threads, maxFrames: maxFrames),
                                      userCode: GoUserCode(buildInfo: go.buildInfo), isWrapper: go.isWrapper)
        warnings = marked.warnings
        notes = marked.notes
        do {
            let profile = try go.readMemoryProfile(process: process)
            self.profile = profile
            sites = GoAllocationSites(profile: profile, symbols: go.symbols,
                                      byObjectSize: GoMemoryProfileRecord.pprofScalesByObjectSize(go.buildInfo.release), top: .max)
            warnings += profile.warnings
        } catch {
            notes.append(Note("no allocation sites: the memory profile of \(core) is unreadable (\(error))"))
        }
        executableStart = process.mainExecutable?.range.start.rawValue ?? 0
    }
}

extension Diff {
    func diffGo(old oldOptions: CoreOptions, new newOptions: CoreOptions, buildID: String?) throws -> DiffOutcome {
        let old = GoDiffSide(try MarkedGoHeap.open(options: oldOptions), core: oldOptions.core)
        let marked = try MarkedGoHeap.open(options: newOptions)
        let new = GoDiffSide(marked, core: newOptions.core)
        let types = Growth.rows(old: old.types, new: new.types)
        let totals = Growth(key: "total", old: Tally.sum(old.types.values), new: Tally.sum(new.types.values))
        var report = DiffReport(heap: "Go \(new.goVersion)", old: oldOptions.core, new: newOptions.core, buildID: buildID,
                                types: types, totals: totals, top: top)
        report.addAllocated(Growth(key: "allocated", old: old.allocated, new: new.allocated))
        report.addGoroutines(old: old.groups, new: new.groups)
        if let oldSites = old.sites, let newSites = new.sites {
            report.addSites(old: oldSites, new: newSites, rate: new.profile?.rate)
        }
        var notes = old.notes + new.notes
        if let profilePath {
            if let oldProfile = old.profile, let newProfile = new.profile {
                let difference = newProfile.subtracting(oldProfile, baseSlide: new.executableStart &- old.executableStart)
                report.profile = try Heap.write(difference, to: profilePath, go: marked.go, process: marked.process,
                                                byObjectSize: GoMemoryProfileRecord.pprofScalesByObjectSize(marked.go.buildInfo.release))
            } else {
                notes.append(Note("no profile written to \(profilePath): a core's memory profile is unreadable"))
            }
        }
        return DiffOutcome(result: report, types: types, warnings: old.warnings + new.warnings, notes: notes)
    }
}
