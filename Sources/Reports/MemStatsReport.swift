import GoRuntime

/// `coreinspect memstats`: runtime.MemStats as ReadMemStats would have
/// returned it at the dump, and the collector's settings. JSON keeps Go's field
/// names under `memstats`; the text shows sizes for people next to the raw values.
public struct MemStatsReport: Encodable {
    public var goVersion: String
    public var memstats: GoMemStats
    public var gc: GoGCState
    public var globalsSource: String

    public init(goVersion: String, snapshot: MemStatsSnapshot) {
        self.goVersion = goVersion
        memstats = snapshot.memstats
        gc = snapshot.gc
        globalsSource = snapshot.globalsSource
    }

    public func text(style: TextStyle) -> String {
        let stats = memstats
        var lines = [style.bold("Go \(goVersion) runtime.MemStats") + style.dim(" (globals from \(globalsSource))")]
        var table = TextTable(["field", "value", "raw"])
        func bytes(_ name: String, _ value: UInt64) { table.add([name, Format.bytes(value), String(value)]) }
        func count(_ name: String, _ value: UInt64) { table.add([name, String(value), ""]) }
        bytes("Alloc", stats.alloc); bytes("TotalAlloc", stats.totalAlloc); bytes("Sys", stats.sys)
        count("Lookups", stats.lookups); count("Mallocs", stats.mallocs); count("Frees", stats.frees)
        bytes("HeapAlloc", stats.heapAlloc); bytes("HeapSys", stats.heapSys); bytes("HeapIdle", stats.heapIdle)
        bytes("HeapInuse", stats.heapInuse); bytes("HeapReleased", stats.heapReleased); count("HeapObjects", stats.heapObjects)
        bytes("StackInuse", stats.stackInuse); bytes("StackSys", stats.stackSys)
        bytes("MSpanInuse", stats.mSpanInuse); bytes("MSpanSys", stats.mSpanSys)
        bytes("MCacheInuse", stats.mCacheInuse); bytes("MCacheSys", stats.mCacheSys)
        bytes("BuckHashSys", stats.buckHashSys); bytes("GCSys", stats.gcSys); bytes("OtherSys", stats.otherSys)
        bytes("NextGC", stats.nextGC)
        table.add(["LastGC", Format.unixNanoseconds(stats.lastGC), String(stats.lastGC)])
        table.add(["PauseTotalNs", Format.nanoseconds(stats.pauseTotalNs), String(stats.pauseTotalNs)])
        count("NumGC", UInt64(stats.numGC)); count("NumForcedGC", UInt64(stats.numForcedGC))
        table.add(["GCCPUFraction", Format.percent(stats.gcCPUFraction), String(stats.gcCPUFraction)])
        table.add(["EnableGC", String(stats.enableGC), ""]); table.add(["DebugGC", String(stats.debugGC), ""])
        lines.append(table.render(indent: "  "))

        lines.append(style.bold("Collector"))
        let gogc = gc.gogc < 0 ? "off" : "\(gc.gogc)"
        let limit = gc.memoryLimit == Int64.max ? "unset (\(gc.memoryLimit))" : "\(Format.bytes(UInt64(max(gc.memoryLimit, 0)))) (\(gc.memoryLimit))"
        lines.append("  GOGC \(gogc)   GOMEMLIMIT \(limit)   heap marked by the last GC \(Format.bytes(gc.heapMarked))")
        if !gc.lastPauses.isEmpty {
            lines.append("  last pauses, newest first: " + gc.lastPauses.map { Format.nanoseconds($0.nanoseconds) }.joined(separator: ", "))
        }

        var sizes = TextTable(["size class", "bytes", "mallocs", "frees", "live"])
        for (index, entry) in stats.bySize.enumerated() where entry.mallocs != 0 || entry.frees != 0 {
            sizes.add([String(index), String(entry.size), String(entry.mallocs), String(entry.frees), String(entry.mallocs &- entry.frees)])
        }
        lines.append(style.bold("BySize") + style.dim(" (classes with allocations; MemStats lists only the first \(GoMemStats.bySizeCount))"))
        lines.append(sizes.rows.isEmpty ? "  none" : sizes.render(indent: "  "))
        return lines.joined(separator: "\n")
    }

    enum CodingKeys: String, CodingKey { case goVersion, memstats, gc = "runtime", globalsSource }
}

extension Format {
    /// 1.2 ms style durations.
    static func nanoseconds(_ value: UInt64) -> String {
        let units: [(String, Double)] = [("s", 1e9), ("ms", 1e6), ("µs", 1e3)]
        for (unit, scale) in units where Double(value) >= scale {
            return "\((Double(value) / scale * 10).rounded() / 10) \(unit)"
        }
        return "\(value) ns"
    }

    /// 0.0123 -> "1.23%".
    static func percent(_ fraction: Double) -> String { "\((fraction * 10_000).rounded() / 100)%" }

    /// Unix nanoseconds as a UTC time to the millisecond; "never" for 0.
    static func unixNanoseconds(_ value: UInt64) -> String {
        guard value != 0 else { return "never" }
        let seconds = Int64(value / 1_000_000_000), milliseconds = Int64(value / 1_000_000 % 1000)
        let (days, daySeconds) = (seconds / 86_400, seconds % 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let fraction = String(milliseconds + 1000).dropFirst()
        return "\(year)-\(two(month))-\(two(day)) \(two(daySeconds / 3600)):\(two(daySeconds / 60 % 60)):\(two(daySeconds % 60)).\(fraction) UTC"
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's days-to-civil algorithm).
    private static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
