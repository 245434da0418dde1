import Analysis
import CoreFile

/// `coreinspect heap --retained`: what each root of a Go heap retains (what would be freed
/// if it went away, from the dominator tree), largest first, with its dominant types.
public struct RetainedReport: Encodable {
    public struct TypeShare: Encodable {
        public var type: String
        public var objects: Int
        public var bytes: UInt64
    }

    /// One of a goroutine's frames, with what it alone retains.
    public struct Frame: Encodable {
        public var name: String
        public var retainedObjects: Int
        public var retainedBytes: UInt64
    }

    public struct Root: Encodable {
        public var kind: String
        public var name: String
        public var detail: String
        public var retainedObjects: Int
        public var retainedBytes: UInt64
        public var frames: [Frame]?
        public var types: [TypeShare]
    }

    public struct Totals: Encodable {
        public var liveObjects: Int
        public var liveBytes: UInt64
        /// Live objects some root retains, and those shared between roots (no root's alone).
        public var retainedObjects: Int
        public var retainedBytes: UInt64
        public var sharedObjects: Int
        public var sharedBytes: UInt64
    }

    public var goVersion: String
    public var roots: [Root]
    /// Roots retaining something beyond `--top`, and roots retaining nothing.
    public var otherRoots: Int
    public var emptyRoots: Int
    public var totals: Totals

    public init(goVersion: String, summary: RetainedRoots, types: TypeTable) {
        self.goVersion = goVersion
        roots = summary.roots.map { root in
            Root(kind: root.kind.rawValue, name: root.name, detail: root.detail, retainedObjects: root.objects,
                 retainedBytes: root.bytes,
                 frames: root.kind == .goroutine
                     ? root.parts.map { Frame(name: $0.label.name, retainedObjects: $0.objects, retainedBytes: $0.bytes) } : nil,
                 types: root.types.map { TypeShare(type: types.name(of: $0.type), objects: $0.objects, bytes: $0.bytes) })
        }
        otherRoots = summary.omittedRoots
        emptyRoots = summary.emptyRoots
        totals = Totals(liveObjects: summary.retainedObjects + summary.sharedObjects,
                        liveBytes: summary.retainedBytes + summary.sharedBytes,
                        retainedObjects: summary.retainedObjects, retainedBytes: summary.retainedBytes,
                        sharedObjects: summary.sharedObjects, sharedBytes: summary.sharedBytes)
    }

    public func text(style: TextStyle) -> String {
        var lines = [style.bold("Go \(goVersion) heap retained by root")
                     + style.dim(" (what would be freed if the root went away: its dominator subtree)")]
        var table = TextTable(["retained", "objects", "kind", "root", "dominant types"])
        for root in roots {
            let types = root.types.map { "\($0.type) \(Format.bytes($0.bytes)) (\($0.objects))" }.joined(separator: ", ")
            let name = root.detail.isEmpty ? root.name : "\(root.name) " + style.dim("(\(root.detail))")
            table.add([Format.bytes(root.retainedBytes), String(root.retainedObjects), root.kind, name, types])
            for frame in root.frames ?? [] {
                // "goroutine 22 main.stackHolder" under "goroutine 22": the function says it.
                let function = frame.name.hasPrefix(root.name + " ") ? String(frame.name.dropFirst(root.name.count + 1)) : frame.name
                table.add(["", "", "", style.dim("  in \(function): \(Format.bytes(frame.retainedBytes)) alone"), ""])
            }
        }
        lines.append(table.render(indent: "  "))
        if otherRoots > 0 { lines.append(style.dim("  … and \(otherRoots) more roots (--top)")) }
        let total = totals
        lines.append(style.bold("Total") + " \(total.liveObjects) live objects, \(Format.bytes(total.liveBytes)): "
                     + "retained by one root \(total.retainedObjects) objects \(Format.bytes(total.retainedBytes)), "
                     + "shared between roots \(total.sharedObjects) objects \(Format.bytes(total.sharedBytes))"
                     + (emptyRoots > 0 ? style.dim("; \(emptyRoots) roots retain nothing alone") : ""))
        return lines.joined(separator: "\n")
    }
}
