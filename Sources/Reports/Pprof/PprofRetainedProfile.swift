import Analysis
import SwiftProtobuf

/// `heap --profile-retained`: the heap's dominator tree as a pprof profile.
/// A sample's stack runs from a root (outermost) through the types of the
/// objects that dominate one another down to an object's type (the leaf);
/// its values are the objects and bytes whose paths end there, so a frame's
/// cumulative value is what that root, or those dominators, retain, and
/// `go tool pprof -http` draws the flame graph of what holds memory.
public enum PprofRetainedProfile {
    /// The default `--profile-depth`: type steps below a root.
    public static let defaultDepth = 32
    static let sharedRootsName = "[reachable from several roots]"

    public static func build(tree: DominatorTree, table: AllocationTable, labels: [RootLabel], types: TypeTable,
                             maximumDepth: Int) -> Perftools_Profiles_Profile {
        let paths = RetainedPaths(tree: tree, table: table, maximumDepth: max(maximumDepth, 1))
        var strings = PprofStrings()
        var result = Perftools_Profiles_Profile()
        result.sampleType = [strings.valueType("retained_objects", "count"), strings.valueType("retained_space", "bytes")]
        result.defaultSampleType = strings.index("retained_space")

        var frames = PprofNamedFrames<RetainedPaths.Frame>()
        func location(_ frame: RetainedPaths.Frame) -> UInt64 {
            frames.location(frame, strings: &strings) { name(of: frame, labels: labels, groups: tree.groupNames, types: types) }
        }
        for node in 0..<paths.nodeCount where paths.objects[node] > 0 {
            var sample = Perftools_Profiles_Sample()
            sample.locationID = paths.path(from: node).map(location)
            sample.value = [Int64(paths.objects[node]), Int64(clamping: paths.bytes[node])]
            result.sample.append(sample)
        }
        result.function = frames.functions
        result.location = frames.locations
        result.stringTable = strings.strings
        return result
    }

    static func name(of frame: RetainedPaths.Frame, labels: [RootLabel], groups: [String], types: TypeTable) -> String {
        switch frame {
        case .type(let type): return types.name(of: type)
        case .label(let label):
            // "global main.sessions"; a goroutine's label already says "goroutine 22 main.stackHolder".
            let kind = labels[label].kind.rawValue, name = labels[label].name
            return name.hasPrefix(kind) ? name : kind + " " + name
        case .group(let group): return groups[group]
        case .sharedRoots: return sharedRootsName
        }
    }
}

/// pprof's string table: index 0 is the empty string.
struct PprofStrings {
    private(set) var strings: [String] = [""]
    private var indices: [String: Int64] = ["": 0]

    mutating func index(_ text: String) -> Int64 {
        if let index = indices[text] { return index }
        let index = Int64(strings.count)
        strings.append(text)
        indices[text] = index
        return index
    }

    mutating func valueType(_ type: String, _ unit: String) -> Perftools_Profiles_ValueType {
        var value = Perftools_Profiles_ValueType()
        value.type = index(type)
        value.unit = index(unit)
        return value
    }
}
