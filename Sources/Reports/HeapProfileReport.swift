import CoreFile
import GoRuntime

/// `coreinspect heap --profile FILE` and `heap --sites`: the runtime's own
/// sampled memory profile, read from `runtime.mbuckets` in the core.
public struct HeapProfileReport: Encodable {
    /// What `--profile` wrote.
    public struct Written: Encodable {
        public var path: String
        public var samples: Int
        public var locations: Int
        public var bytes: Int

        public init(path: String, samples: Int, locations: Int, bytes: Int) {
            self.path = path
            self.samples = samples
            self.locations = locations
            self.bytes = bytes
        }
    }

    public var goVersion: String
    /// `runtime.MemProfileRate`: bytes per sample (1: every allocation; 0: off); nil when not found.
    public var rate: Int64?
    /// `mProfCycle.read()`: the completed GC cycle the counts stand as of.
    public var cycle: UInt32
    public var records: Int
    public var globalsSource: String
    /// Nil without `--profile`, or when the profile was empty and nothing was written.
    public var profile: Written?
    /// Nil without `--sites`.
    public var sites: [GoAllocationSites.Site]?
    public var otherSites: Int?
    /// Over every record, scaled.
    public var totals: GoAllocationSites.Site?

    public init(goVersion: String, profile: GoMemoryProfile, written: Written?, sites: GoAllocationSites?) {
        self.goVersion = goVersion
        rate = profile.rate
        cycle = profile.cycle
        records = profile.records.count
        globalsSource = profile.globalsSource
        self.profile = written
        self.sites = sites?.sites
        otherSites = sites?.otherSites
        totals = sites?.totals
    }

    public func text(style: TextStyle) -> String {
        let rateText: String
        switch rate {
        case nil: rateText = "rate unknown"
        case 0?: rateText = "profiling off: MemProfileRate 0"
        case 1?: rateText = "every allocation sampled"
        case let bytes?: rateText = "1 sample per \(bytes) bytes allocated"
        }
        var lines = [style.bold("Go \(goVersion) memory profile") + style.dim(" (runtime.mbuckets: \(records) records, \(rateText), "
                                                                             + "as of GC cycle \(cycle))")]
        if let profile {
            lines.append("wrote \(profile.path): pprof heap profile, \(profile.samples) samples, \(profile.locations) locations, "
                         + "\(profile.bytes) bytes gzipped")
        }
        if let sites, let totals {
            lines.append(style.bold("Allocation sites by in-use bytes") + style.dim(" (scaled for the rate, as go tool pprof shows them)"))
            var table = TextTable(["in-use bytes", "in-use objects", "alloc bytes", "alloc objects", "site"])
            for site in sites {
                let place = site.file.map { " " + Format.basename($0) + ":" + String(site.line ?? 0) } ?? ""
                table.add([Format.bytes(UInt64(clamping: site.inUseBytes)), String(site.inUseObjects),
                           Format.bytes(UInt64(clamping: site.allocBytes)), String(site.allocObjects), site.function + place])
            }
            lines.append(sites.isEmpty ? style.dim("  no allocation was sampled") : table.render(indent: "  "))
            if let otherSites, otherSites > 0 { lines.append(style.dim("  … and \(otherSites) more sites (--top)")) }
            lines.append(style.bold("Total") + " in use \(totals.inUseObjects) objects, \(Format.bytes(UInt64(clamping: totals.inUseBytes))); "
                         + "allocated \(totals.allocObjects) objects, \(Format.bytes(UInt64(clamping: totals.allocBytes)))")
        }
        return lines.joined(separator: "\n")
    }
}
