import Analysis

/// `coreinspect heap --profile-retained FILE`: what was written, and the totals it stands for.
public struct RetainedProfileReport: Encodable {
    public var goVersion: String
    public var profile: HeapProfileReport.Written
    /// Type steps below a root at most (`--profile-depth`).
    public var maximumDepth: Int
    /// Live objects and bytes: the profile's totals.
    public var liveObjects: Int
    public var liveBytes: UInt64
    /// What no single root retains (reachable from several): the "[reachable from several roots]" stacks.
    public var sharedObjects: Int
    public var sharedBytes: UInt64

    public init(goVersion: String, profile: HeapProfileReport.Written, maximumDepth: Int, tree: DominatorTree, table: AllocationTable) {
        self.goVersion = goVersion
        self.profile = profile
        self.maximumDepth = maximumDepth
        var live = (objects: 0, bytes: UInt64(0)), shared = (objects: 0, bytes: UInt64(0))
        for row in 0..<table.count where tree.immediateDominators[row] != DominatorTree.unreachable {
            live.objects += 1
            live.bytes += table.sizes[row]
            if tree.immediateDominators[row] == DominatorTree.virtualRoot {
                shared.objects += Int(tree.retainedObjects[row])
                shared.bytes += tree.retainedBytes[row]
            }
        }
        liveObjects = live.objects
        liveBytes = live.bytes
        sharedObjects = shared.objects
        sharedBytes = shared.bytes
    }

    public func text(style: TextStyle) -> String {
        [style.bold("Go \(goVersion) retained heap") + style.dim(" (dominator tree: root, then the types that dominate one another)"),
         "wrote \(profile.path): pprof profile, \(profile.samples) samples, \(profile.locations) locations, \(profile.bytes) bytes gzipped",
         "  \(liveObjects) live objects, \(Format.bytes(liveBytes)); reachable from several roots (no one root's): "
             + "\(sharedObjects) objects, \(Format.bytes(sharedBytes))",
         style.dim("  open it with: go tool pprof -http=: \(profile.path)")].joined(separator: "\n")
    }
}
