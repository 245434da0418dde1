import CoreFile
import Symbols

/// Goroutines folded by identical state, stack and creator, largest group first.
public struct GoroutineGroup: Sendable {
    public var count: Int
    public var state: String
    public var ids: [Int64]
    public var createdBy: GoSourceFrame?
    public var stack: Stack
    /// The innermost frame in the program's own code (see `GoUserCode`); for
    /// goroutines that never leave the standard library and the runtime, the
    /// innermost frame outside the runtime, else the runtime function the
    /// goroutine started in (`runtime.bgsweep`), which names its job.
    public var location: Frame?

    /// Goroutines with the same state, stack (the same pcs, as the runtime's
    /// goroutine profile groups them) and creator fold into one group.
    ///
    /// - Parameter isWrapper: compiler-generated wrappers (`GoProcess.isWrapper`),
    ///   such as the closure of a `go` statement, which never name a group.
    public static func group(_ snapshots: [GoroutineSnapshot], userCode: GoUserCode,
                             isWrapper: (Frame) -> Bool = { _ in false }) -> [GoroutineGroup] {
        struct Key: Hashable {
            var state: String
            var stack: [Address]
            var inlined: [Bool]
            var creator: String?
            var creatorFile: String?
            var creatorLine: Int?
        }
        var indexByKey: [Key: Int] = [:]
        var groups: [GoroutineGroup] = []
        for snapshot in snapshots {
            let frames = snapshot.stack.frames
            let key = Key(state: snapshot.goroutine.stateName, stack: frames.map(\.pc), inlined: frames.map(\.isInlined),
                          creator: snapshot.createdBy?.function, creatorFile: snapshot.createdBy?.file, creatorLine: snapshot.createdBy?.line)
            if let index = indexByKey[key] {
                groups[index].count += 1
                groups[index].ids.append(snapshot.goroutine.id)
            } else {
                indexByKey[key] = groups.count
                let location = userCode.firstUserFrame(in: frames)
                    ?? frames.first { !($0.function ?? "").hasPrefix("runtime.") }
                    ?? frames.last { $0.function != "runtime.goexit" && !isWrapper($0) }
                groups.append(GoroutineGroup(count: 1, state: key.state, ids: [snapshot.goroutine.id], createdBy: snapshot.createdBy,
                                             stack: snapshot.stack, location: location))
            }
        }
        return groups.sorted { $0.count > $1.count || ($0.count == $1.count && $0.ids[0] < $1.ids[0]) }
    }
}
