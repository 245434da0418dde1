/// What each root retains, largest first, with the types that make it up: a dominator tree
/// summed per root for people to read.
///
/// A root is a label outside any group, or a whole group (a goroutine: its frames are listed
/// under it, each with what it alone retains). Roots that retain nothing are counted, not
/// listed.
public struct RetainedRoots: Sendable {
    public struct TypeShare: Sendable {
        public var type: TypeID
        public var objects: Int
        public var bytes: UInt64
    }

    public struct Part: Sendable {
        public var label: RootLabel
        public var objects: Int
        public var bytes: UInt64
    }

    public struct Root: Sendable {
        public var kind: RootKind
        public var name: String
        public var detail: String
        public var objects: Int
        public var bytes: UInt64
        /// A group's labels that retain something by themselves, largest first.
        public var parts: [Part]
        /// The types of the rows it retains, largest first by bytes.
        public var types: [TypeShare]
    }

    public enum Order: Sendable { case bytes, objects }

    public let roots: [Root]
    /// Roots that retain something but fall beyond `top`, and roots that retain nothing.
    public let omittedRoots: Int
    public let emptyRoots: Int
    /// Reachable rows some root retains, and rows only the virtual root dominates (shared
    /// between roots).
    public let retainedObjects: Int
    public let retainedBytes: UInt64
    public let sharedObjects: Int
    public let sharedBytes: UInt64

    public init(tree: DominatorTree, labels: [RootLabel], table: AllocationTable, top: Int,
                order: Order = .bytes, typesPerRoot: Int = 3) {
        var candidates: [Root] = []
        // A candidate's identity: a group's index, or -1 - label for a label outside groups.
        var identities: [Int] = []
        for (group, name) in tree.groupNames.enumerated() where tree.groupRetainedObjects[group] > 0 {
            let members = tree.labelGroups.indices.filter { tree.labelGroups[$0] == Int32(group) }
            let parts = members.filter { tree.labelRetainedObjects[$0] > 0 }
                .map { Part(label: labels[$0], objects: tree.labelRetainedObjects[$0], bytes: tree.labelRetainedBytes[$0]) }
                .sorted { ($0.bytes, $1.label.name) > ($1.bytes, $0.label.name) }
            let first = labels[members[0]]
            candidates.append(Root(kind: first.kind, name: name, detail: first.detail, objects: tree.groupRetainedObjects[group],
                                   bytes: tree.groupRetainedBytes[group], parts: parts, types: []))
            identities.append(group)
        }
        for (index, label) in labels.enumerated() where tree.labelGroups[index] < 0 && tree.labelRetainedObjects[index] > 0 {
            candidates.append(Root(kind: label.kind, name: label.name, detail: label.detail,
                                   objects: tree.labelRetainedObjects[index], bytes: tree.labelRetainedBytes[index],
                                   parts: [], types: []))
            identities.append(-1 - index)
        }
        let ranked = candidates.indices.sorted { left, right in
            let (a, b) = (candidates[left], candidates[right])
            let keys = order == .bytes ? (a.bytes, UInt64(a.objects), b.bytes, UInt64(b.objects))
                                       : (UInt64(a.objects), a.bytes, UInt64(b.objects), b.bytes)
            if (keys.0, keys.1) != (keys.2, keys.3) { return (keys.0, keys.1) > (keys.2, keys.3) }
            return a.name < b.name
        }
        let shown = Array(ranked.prefix(max(0, top)))
        var chosen = shown.map { candidates[$0] }
        let shares = Self.typeShares(tree: tree, table: table, identities: shown.map { identities[$0] },
                                     labelCount: labels.count, groupCount: tree.groupNames.count)
        for slot in chosen.indices { chosen[slot].types = Array(shares[slot].prefix(typesPerRoot)) }
        roots = chosen
        omittedRoots = candidates.count - chosen.count
        emptyRoots = tree.groupNames.count + tree.labelGroups.filter { $0 < 0 }.count - candidates.count
        var retained = (objects: 0, bytes: UInt64(0))
        var shared = (objects: 0, bytes: UInt64(0))
        for row in 0..<tree.rowCount where tree.immediateDominators[row] != DominatorTree.unreachable {
            if tree.dominatingLabels[row] >= 0 || tree.dominatingGroups[row] >= 0 {
                retained = (retained.objects + 1, retained.bytes + table.sizes[row])
            } else {
                shared = (shared.objects + 1, shared.bytes + table.sizes[row])
            }
        }
        (retainedObjects, retainedBytes, sharedObjects, sharedBytes) = (retained.objects, retained.bytes, shared.objects, shared.bytes)
    }

    /// Per chosen root, its rows' types by bytes: passes over the rows into a flat
    /// slot × type array, no hashing per row. Roots are taken a block at a time, so the
    /// array stays under about a million cells however many roots are shown.
    private static func typeShares(tree: DominatorTree, table: AllocationTable, identities: [Int],
                                   labelCount: Int, groupCount: Int) -> [[TypeShare]] {
        let typeCount = Int(table.typeIDs.max()?.rawValue ?? 0) + 1
        let blockSize = max(1, (1 << 20) / typeCount)
        var shares: [[TypeShare]] = []
        for blockStart in stride(from: 0, to: identities.count, by: blockSize) {
            let block = identities[blockStart..<min(identities.count, blockStart + blockSize)]
            var slotOfGroup = [Int32](repeating: -1, count: groupCount)
            var slotOfLabel = [Int32](repeating: -1, count: labelCount)
            for (slot, identity) in block.enumerated() {
                if identity >= 0 { slotOfGroup[identity] = Int32(slot) } else { slotOfLabel[-1 - identity] = Int32(slot) }
            }
            var bytes = [UInt64](repeating: 0, count: block.count * typeCount)
            var objects = [Int](repeating: 0, count: block.count * typeCount)
            for row in 0..<tree.rowCount {
                let group = tree.dominatingGroups[row]
                let label = tree.dominatingLabels[row]
                // A group is the outermost root: a row under one of its frames counts for the group.
                let slot = group >= 0 ? slotOfGroup[Int(group)] : label >= 0 ? slotOfLabel[Int(label)] : -1
                guard slot >= 0 else { continue }
                let cell = Int(slot) * typeCount + Int(table.typeIDs[row].rawValue)
                bytes[cell] += table.sizes[row]
                objects[cell] += 1
            }
            for slot in block.indices.map({ $0 - blockStart }) {
                shares.append((0..<typeCount).compactMap { type -> TypeShare? in
                    let cell = slot * typeCount + type
                    return objects[cell] > 0
                        ? TypeShare(type: TypeID(rawValue: UInt32(type)), objects: objects[cell], bytes: bytes[cell]) : nil
                }.sorted { ($0.bytes, $1.type) > ($1.bytes, $0.type) })
            }
        }
        return shares
    }
}
