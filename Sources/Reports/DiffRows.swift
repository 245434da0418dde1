import CoreFile
import GoRuntime
import Symbols

/// A goroutine group (as `goroutines --group` folds them) in both cores: the
/// same state, the same frames by function and line, the same creator. PCs
/// are not compared, so a position-independent executable loaded at another
/// address still matches.
public struct DiffGoroutineGroup: Encodable, Equatable {
    var state: String
    var userLocation: SourceSite?
    var createdBy: SourceSite?
    var oldCount: Int
    var newCount: Int
    var count: Int
    var frames: [SourceSite]

    /// The groups whose size changed, most grown first (ties by state and location).
    static func rows(old: [GoroutineGroup], new: [GoroutineGroup]) -> [DiffGoroutineGroup] {
        var bySignature: [String: DiffGoroutineGroup] = [:]
        for (groups, isNew) in [(old, false), (new, true)] {
            for group in groups {
                let frames = group.stack.frames.compactMap(SourceSite.init)
                let creator = group.createdBy.map(SourceSite.init)
                let signature = ([group.state, creator?.signature ?? ""] + frames.map(\.signature)).joined(separator: "\n")
                var row = bySignature[signature] ?? DiffGoroutineGroup(
                    state: group.state, userLocation: SourceSite(group.location), createdBy: creator,
                    oldCount: 0, newCount: 0, count: 0, frames: frames)
                if isNew { row.newCount += group.count } else { row.oldCount += group.count }
                row.count = row.newCount - row.oldCount
                bySignature[signature] = row
            }
        }
        return bySignature.values.filter { $0.count != 0 }.sorted {
            ($0.count, $1.state, $1.userLocation?.text ?? "") > ($1.count, $0.state, $0.userLocation?.text ?? "")
        }
    }
}

/// An allocation site of the in-core memory profile (`heap --sites`) in both
/// cores: in-use objects and bytes in each, and what changed, allocations
/// included (the profile's allocation counts only ever grow).
public struct DiffAllocationSite: Encodable, Equatable {
    public var function: String
    public var file: String?
    public var line: Int?
    public var oldInUseObjects: Int64
    public var newInUseObjects: Int64
    public var inUseObjects: Int64
    public var oldInUseBytes: Int64
    public var newInUseBytes: Int64
    public var inUseBytes: Int64
    public var allocObjects: Int64
    public var allocBytes: Int64

    init(old: GoAllocationSites.Site?, new: GoAllocationSites.Site?) {
        let site = new ?? old
        function = site?.function ?? "?"
        file = site?.file
        line = site?.line
        oldInUseObjects = old?.inUseObjects ?? 0
        newInUseObjects = new?.inUseObjects ?? 0
        inUseObjects = newInUseObjects - oldInUseObjects
        oldInUseBytes = old?.inUseBytes ?? 0
        newInUseBytes = new?.inUseBytes ?? 0
        inUseBytes = newInUseBytes - oldInUseBytes
        allocObjects = (new?.allocObjects ?? 0) - (old?.allocObjects ?? 0)
        allocBytes = (new?.allocBytes ?? 0) - (old?.allocBytes ?? 0)
    }

    var changed: Bool { inUseObjects != 0 || inUseBytes != 0 || allocObjects != 0 || allocBytes != 0 }

    /// Sites of either core whose values changed: most grown in-use bytes first, then objects, then allocations.
    static func rows(old: [GoAllocationSites.Site], new: [GoAllocationSites.Site]) -> [DiffAllocationSite] {
        func key(_ site: GoAllocationSites.Site) -> String { site.function + "\u{0}" + (site.file ?? "") + "\u{0}" + String(site.line ?? 0) }
        let oldByKey = Dictionary(old.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let newKeys = Set(new.map(key))
        let rows = new.map { DiffAllocationSite(old: oldByKey[key($0)], new: $0) }
            + old.filter { !newKeys.contains(key($0)) }.map { DiffAllocationSite(old: $0, new: nil) }
        return rows.filter(\.changed).sorted {
            ($0.inUseBytes, $0.inUseObjects, $0.allocBytes, $1.function, $1.line ?? 0)
                > ($1.inUseBytes, $1.inUseObjects, $1.allocBytes, $0.function, $0.line ?? 0)
        }
    }
}

extension SourceSite: Equatable {
    /// Function, file and line, unabbreviated: what identifies a frame across two cores.
    var signature: String { function + "\u{0}" + (file ?? "") + "\u{0}" + String(line ?? 0) }

    static func == (lhs: SourceSite, rhs: SourceSite) -> Bool {
        (lhs.function, lhs.file, lhs.line) == (rhs.function, rhs.file, rhs.line)
    }
}
