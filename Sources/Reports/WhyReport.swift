import Analysis
import CoreFile
import GoRuntime

/// `coreinspect why`: the object holding an address, one shortest path from a root to it (one
/// step a line, each named by the field, index or map slot its pointer sits in) and its
/// immediate dominator; or, for garbage, that it is unreachable and what points to it.
public struct WhyReport: Encodable {
    public struct Object: Encodable {
        public var address: String
        public var size: UInt64
        public var type: String
        /// "live" or "garbage".
        public var state: String

        init(_ object: GoHeapObjectRef) {
            address = object.address.hex
            size = object.size
            type = object.type
            state = WhyReport.stateName(object.state)
        }
    }

    public struct Root: Encodable {
        /// global, goroutine, finalizer, cleanup, pool, thread or runtime.
        public var kind: String
        public var name: String
        public var detail: String?

        init(kind: String, name: String, detail: String? = nil) {
            self.kind = kind
            self.name = name
            self.detail = detail
        }

        init(_ label: RootLabel) {
            self.init(kind: label.kind.rawValue, name: label.name, detail: label.detail.isEmpty ? nil : label.detail)
        }

        var text: String { name.hasPrefix(kind) ? name : kind + " " + name }
    }

    public struct Step: Encodable {
        /// The object holding the pointer (its address), or for the first step the root's name.
        public var from: String
        /// The object the pointer leads into, and its type.
        public var to: String
        public var type: String
        /// The field, index or slot the pointer sits in; for the first step, the root (with the
        /// global's field when DWARF names it).
        public var via: String
        /// The address of the pointer word; left out for a register or a runtime structure's word.
        public var address: String?
    }

    public struct Dominator: Encodable {
        /// "object"; "root" (one root label holds it alone), "rootGroup" (the frames of one
        /// goroutine together) or "roots" (several roots, by separate paths).
        public var kind: String
        public var object: Object?
        /// The root or group, for "root" and "rootGroup".
        public var root: Root?
    }

    public var address: String
    public var object: Object
    /// "live" or "garbage".
    public var state: String
    public var root: Root?
    public var steps: [Step]
    public var dominator: Dominator?
    /// What the object keeps alive alone, itself included; with the dominator.
    public var retainedBytes: UInt64?
    public var retainedObjects: Int?
    /// For garbage: the objects that point to it.
    public var predecessors: [Object]
    public var omittedPredecessors: Int

    public init(_ why: GoHeapWhy) {
        address = why.address.hex
        object = Object(why.object)
        state = Self.stateName(why.object.state)
        root = why.path.map { Root($0.root) }
        steps = why.path?.steps.map { step in
            Step(from: step.from?.address.hex ?? why.path!.root.name, to: step.to.address.hex, type: step.to.type,
                 via: step.via, address: step.word?.hex)
        } ?? []
        dominator = why.dominator.map { dominator in
            switch dominator {
            case .roots: return Dominator(kind: "roots")
            case .root(let label): return Dominator(kind: "root", root: Root(label))
            case .rootGroup(let name): return Dominator(kind: "rootGroup", root: Root(kind: RootKind.goroutine.rawValue, name: name))
            case .object(let object): return Dominator(kind: "object", object: Object(object))
            }
        }
        retainedBytes = why.retainedBytes
        retainedObjects = why.retainedObjects
        predecessors = why.predecessors.map(Object.init)
        omittedPredecessors = why.omittedPredecessors
    }

    static func stateName(_ state: AllocationState) -> String {
        switch state {
        case .live: return "live"
        case .garbage: return "garbage"
        case .free: return "free"
        case .unknown: return "unknown"
        }
    }

    public func text(style: TextStyle) -> String {
        var lines = [style.bold(address) + " is inside " + describe(object) + ": " + stateText(style: style)]
        if let root {
            lines.append("Path from the roots, \(steps.count) step\(steps.count == 1 ? "" : "s"), root: "
                         + style.bold(root.text) + (root.detail.map { style.dim(" (" + $0 + ")") } ?? ""))
            var table = TextTable(["via", "", "to"])
            for step in steps { table.add([step.via, "→", step.type + " at " + step.to]) }
            lines.append(table.render(indent: "  ").split(separator: "\n").dropFirst().joined(separator: "\n"))
        }
        if let dominator {
            let holder = dominator.object.map(describe) ?? dominator.root.map { "root " + $0.text }
                ?? "none: several roots reach it by separate paths"
            lines.append("Immediate dominator: " + holder)
        }
        if let retainedBytes, let retainedObjects {
            lines.append("Retains \(Format.bytes(retainedBytes)) in \(retainedObjects) object(s), itself included")
        }
        if state == "garbage" {
            if predecessors.isEmpty {
                lines.append("Nothing on the heap points to it.")
            } else {
                lines.append("Pointed to by \(predecessors.count + omittedPredecessors) object(s):")
                for predecessor in predecessors { lines.append("  " + describe(predecessor) + ", " + predecessor.state) }
                if omittedPredecessors > 0 { lines.append(style.dim("  … and \(omittedPredecessors) more")) }
            }
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ object: Object) -> String {
        "\(object.type) at \(object.address) (\(Format.bytes(object.size)))"
    }

    private func stateText(style: TextStyle) -> String {
        switch state {
        case "garbage": return style.yellow("garbage") + ", unreachable from every root (the next sweep frees it)"
        case "live" where root == nil: return "live, but no path from a root was found"
        default: return "live"
        }
    }
}
