import Analysis
import CoreFile

/// `coreinspect why` on a C or C++ heap: the malloc chunk holding an address, one shortest path
/// from a root to it (the `why` schema's `root` and `steps`), and its leak category; for a
/// leaked chunk, what points to it and what it points to; for a free one, where it is free.
public struct NativeWhyReport: Encodable {
    public struct Chunk: Encodable, Equatable {
        /// The pointer malloc returned.
        public var address: String
        /// The usable size.
        public var size: UInt64
        /// The C++ class named by its vtable, or "" for plain memory.
        public var type: String
        /// reachable, possible, indirect, direct or free.
        public var state: String

        public init(address: Address, size: UInt64, type: String, state: String) {
            self.address = address.hex
            self.size = size
            self.type = type
            self.state = state
        }
    }

    public var address: String
    public var object: Chunk
    /// The leak category (reachable, possible, indirect, direct) or "free".
    public var state: String
    /// Kinds: global (by symbol, or module+offset), stack (thread and frame), tls, register,
    /// allocation (a block the roots hold whole: a DTV, a libc or loader block).
    public var root: WhyReport.Root?
    public var steps: [WhyReport.Step]
    /// For an indirect leak: the direct leak leading its cluster.
    public var leader: Chunk?
    /// For a free chunk: tcache, fastbin, unsorted, smallbin, largebin or unlisted-free.
    public var freeIn: String?
    /// For a leak (direct, indirect, possible): the chunks that point to it, and those it points to.
    public var predecessors: [Chunk]
    public var omittedPredecessors: Int
    public var successors: [Chunk]

    public init(address: Address, object: Chunk, root: WhyReport.Root?, steps: [WhyReport.Step], leader: Chunk?,
                freeIn: String?, predecessors: [Chunk], omittedPredecessors: Int, successors: [Chunk]) {
        self.address = address.hex
        self.object = object
        state = object.state
        self.root = root
        self.steps = steps
        self.leader = leader
        self.freeIn = freeIn
        self.predecessors = predecessors
        self.omittedPredecessors = omittedPredecessors
        self.successors = successors
    }

    public static func root(kind: String, name: String, detail: String?) -> WhyReport.Root {
        WhyReport.Root(kind: kind, name: name, detail: detail)
    }

    public static func step(from: String, to: Chunk, via: String, address: Address?) -> WhyReport.Step {
        WhyReport.Step(from: from, to: to.address, type: to.type, via: via, address: address?.hex)
    }

    public func text(style: TextStyle) -> String {
        var lines = [style.bold(address) + " is inside " + describe(object) + ": " + stateText(style: style)]
        if let root {
            lines.append("Path from the roots, \(steps.count) step\(steps.count == 1 ? "" : "s"), root: "
                         + style.bold(root.kind + " " + root.name) + (root.detail.map { style.dim(" (" + $0 + ")") } ?? ""))
            var table = TextTable(["via", "", "to"])
            for step in steps { table.add([step.via, "→", describeTarget(step)]) }
            lines.append(table.render(indent: "  ").split(separator: "\n").dropFirst().joined(separator: "\n"))
        }
        if let leader { lines.append("Its cluster's leader (a direct leak): " + describe(leader)) }
        if LeakKind.allCases.contains(where: { $0.isLeak && $0.name == state }) {
            lines.append(list("Pointed to by", predecessors, omitted: omittedPredecessors, none: "Nothing on the heap points to it."))
            lines.append(list("Points to", successors, omitted: 0, none: "It points to no chunk in use."))
        }
        return lines.joined(separator: "\n")
    }

    private func list(_ title: String, _ chunks: [Chunk], omitted: Int, none: String) -> String {
        guard !chunks.isEmpty else { return none }
        var lines = ["\(title) \(chunks.count + omitted) chunk(s):"]
        lines += chunks.map { "  " + describe($0) + ", " + $0.state }
        if omitted > 0 { lines.append("  … and \(omitted) more") }
        return lines.joined(separator: "\n")
    }

    private func describe(_ chunk: Chunk) -> String {
        (chunk.type.isEmpty ? "chunk" : chunk.type) + " at \(chunk.address) (\(Format.bytes(chunk.size)))"
    }

    private func describeTarget(_ step: WhyReport.Step) -> String {
        (step.type.isEmpty ? "chunk" : step.type) + " at " + step.to
    }

    private func stateText(style: TextStyle) -> String {
        switch state {
        case "reachable": return root == nil ? "reachable, but no path from a root was found" : "reachable"
        case "possible": return style.yellow("possibly leaked") + ": every chain from a root passes an interior pointer"
        case "indirect": return style.yellow("leaked (indirect)") + ": no root reaches it, another leaked chunk holds it"
        case "direct": return style.yellow("leaked (direct)") + ": no root reaches it, and no other leaked chunk holds it"
        case "free": return "free, in the " + (freeIn ?? "?") + (freeIn == "unlisted-free" ? "" : " list")
        default: return state
        }
    }
}
