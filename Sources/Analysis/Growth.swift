/// How one counted thing (a type, a goroutine group, an allocation site, a
/// chunk size) changed between two snapshots of the same program: what
/// `diff` reports for every key of either core.
public struct Growth: Sendable, Equatable {
    public var key: String
    public var old: Tally
    public var new: Tally

    public init(key: String, old: Tally, new: Tally) {
        self.key = key
        self.old = old
        self.new = new
    }

    /// Negative when the thing shrank.
    public var count: Int64 { Int64(clamping: new.count) &- Int64(clamping: old.count) }
    public var bytes: Int64 { Int64(clamping: new.bytes) &- Int64(clamping: old.bytes) }
    public var changed: Bool { old != new }

    /// One row per key of either side whose tally changed, most grown first:
    /// by bytes, then by count, then by key (so equal rows keep one order).
    public static func rows(old: [String: Tally], new: [String: Tally]) -> [Growth] {
        var rows: [Growth] = []
        rows.reserveCapacity(max(old.count, new.count))
        for (key, newTally) in new {
            let row = Growth(key: key, old: old[key] ?? Tally(), new: newTally)
            if row.changed { rows.append(row) }
        }
        for (key, oldTally) in old where new[key] == nil && oldTally != Tally() {
            rows.append(Growth(key: key, old: oldTally, new: Tally()))
        }
        return rows.sorted { ($0.bytes, $0.count, $1.key) > ($1.bytes, $1.count, $0.key) }
    }
}

extension Tally {
    /// The sum of every tally: a whole core's count and bytes.
    public static func sum<S: Sequence>(_ tallies: S) -> Tally where S.Element == Tally {
        tallies.reduce(into: Tally()) { sum, tally in
            sum.count += tally.count
            sum.bytes &+= tally.bytes
        }
    }
}
