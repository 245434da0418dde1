import Analysis
import CoreFile
import ProcessImage

/// `coreinspect leaks`: a C or C++ heap's allocations by leak category (LeakSanitizer's and
/// Memcheck's), leaked ones grouped by type or size with previews of a few samples.
public struct LeaksReport: Encodable {
    public struct Tally: Encodable, Equatable {
        public var count = 0
        public var bytes: UInt64 = 0

        mutating func add(_ size: UInt64) {
            count += 1
            bytes += size
        }
    }

    public struct Totals: Encodable {
        public var direct = Tally()
        public var indirect = Tally()
        public var possible = Tally()
        /// Still reachable: held by a chain of start pointers from a root.
        public var reachable = Tally()
        /// libc's own allocations (tcache structs, stdio buffers, DTVs…), counted as reachable.
        public var libcOwned = Tally()
        /// Of the kinds selected with --kinds: what the exit status is decided on.
        public var selected = Tally()
    }

    public struct Sample: Encodable {
        public var address: String
        public var size: UInt64
        /// For an indirect leak: the direct leak holding its cluster.
        public var leader: String?
        public var preview: HexPreview
    }

    /// Leaked allocations of one kind and one type (a C++ class by its vtable, else a size).
    public struct Group: Encodable {
        public var kind: String
        public var type: String
        public var count: Int
        public var bytes: UInt64
        public var samples: [Sample]
    }

    public struct Allocation: Encodable {
        public var address: String
        /// Usable bytes: what malloc_usable_size would return.
        public var size: UInt64
        public var kind: String
        public var type: String
        /// For direct and indirect leaks: the direct leak that holds its cluster (itself for a direct one).
        public var leader: String?
    }

    public var heap: String
    public var kinds: [String]
    public var maxLeakedBytes: UInt64
    public var overBudget: Bool
    public var totals: Totals
    public var groups: [Group]
    /// Every leaked allocation of the selected kinds, in address order.
    public var allocations: [Allocation]
    /// Groups beyond `--top` in the text (JSON has them all).
    var textGroupLimit: Int

    /// The text's group limit is no field of the JSON result.
    enum CodingKeys: String, CodingKey { case heap, kinds, maxLeakedBytes, overBudget, totals, groups, allocations }

    static let samplesPerGroup = 3

    public init(heap: String, table: AllocationTable, types: TypeTable, classification: LeakClassification,
                libcOwned: (Int) -> Bool, kinds: Set<LeakKind>, maxLeakedBytes: UInt64,
                memory: any MemoryReader, top: Int) {
        self.heap = heap
        self.kinds = LeakKind.allCases.filter { kinds.contains($0) }.map(\.name)
        self.maxLeakedBytes = maxLeakedBytes
        textGroupLimit = top
        var totals = Totals()
        var allocations: [Allocation] = []
        var groupIndex: [GroupKey: Int] = [:]
        var groupRows: [[Int]] = []
        for row in 0..<table.count {
            let kind = classification.kinds[row]
            let size = table.sizes[row]
            switch kind {
            case .free: continue
            case .reachable:
                totals.reachable.add(size)
                if libcOwned(row) { totals.libcOwned.add(size) }
                continue
            case .possible: totals.possible.add(size)
            case .indirect: totals.indirect.add(size)
            case .direct: totals.direct.add(size)
            }
            guard kinds.contains(kind) else { continue }
            totals.selected.add(size)
            allocations.append(Allocation(address: table.address(of: row).hex, size: size, kind: kind.name,
                                          type: types.name(of: table.typeIDs[row]),
                                          leader: classification.leader(of: row).map { table.address(of: $0).hex }))
            let key = GroupKey(kind: kind, type: table.typeIDs[row])
            if let index = groupIndex[key] {
                groupRows[index].append(row)
            } else {
                groupIndex[key] = groupRows.count
                groupRows.append([row])
            }
        }
        groups = groupIndex.sorted { $0.value < $1.value }.map { key, index in
            let rows = groupRows[index]
            return Group(kind: key.kind.name, type: types.name(of: key.type), count: rows.count,
                         bytes: rows.reduce(0) { $0 + table.sizes[$1] },
                         samples: rows.prefix(Self.samplesPerGroup).map { row in
                             Sample(address: table.address(of: row).hex, size: table.sizes[row],
                                    leader: key.kind == .indirect ? classification.leader(of: row).map { table.address(of: $0).hex } : nil,
                                    preview: HexPreview(memory: memory, address: table.address(of: row), size: table.sizes[row]))
                         })
        }.sorted { ($0.bytes, $1.kind, $1.type) > ($1.bytes, $0.kind, $0.type) }
        self.totals = totals
        self.allocations = allocations
        overBudget = totals.selected.bytes > maxLeakedBytes
    }

    private struct GroupKey: Hashable {
        var kind: LeakKind
        var type: TypeID
    }

    public func text(style: TextStyle) -> String {
        let t = totals
        var lines = [style.bold("Leaks in the \(heap) heap: ")
            + "\(t.direct.count) direct (\(Format.bytes(t.direct.bytes))), "
            + "\(t.indirect.count) indirect (\(Format.bytes(t.indirect.bytes))), "
            + "\(t.possible.count) possible (\(Format.bytes(t.possible.bytes))); "
            + style.dim("\(t.reachable.count) still reachable (\(Format.bytes(t.reachable.bytes))), "
                        + "\(t.libcOwned.count) of them libc's own")]
        if groups.isEmpty {
            lines.append("  no leaks of the kinds selected (\(kinds.joined(separator: ",")))")
            return lines.joined(separator: "\n")
        }
        var table = TextTable(["bytes", "count", "kind", "type or size"])
        for group in groups.prefix(textGroupLimit) {
            table.add([Format.bytes(group.bytes), String(group.count), group.kind, group.type])
        }
        lines.append(table.render(indent: "  "))
        if groups.count > textGroupLimit { lines.append(style.dim("  … and \(groups.count - textGroupLimit) more groups (--top)")) }
        lines.append(style.bold("Samples"))
        for group in groups.prefix(textGroupLimit) {
            lines.append("  \(group.kind) \(group.type):")
            for sample in group.samples {
                let held = sample.leader.map { style.dim(" held by leader \($0)") } ?? ""
                lines.append("    \(sample.address) \(Format.bytes(sample.size))" + held)
                lines += sample.preview.lines.map { "      " + style.dim($0) }
            }
        }
        let verdict = overBudget
            ? style.red("over budget: \(Format.bytes(t.selected.bytes)) leaked (\(kinds.joined(separator: ","))) > \(Format.bytes(maxLeakedBytes))")
            : "within budget: \(Format.bytes(t.selected.bytes)) leaked (\(kinds.joined(separator: ","))) ≤ \(Format.bytes(maxLeakedBytes))"
        lines.append(verdict)
        return lines.joined(separator: "\n")
    }
}
