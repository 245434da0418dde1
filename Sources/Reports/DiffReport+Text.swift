extension DiffReport {
    public func text(style: TextStyle) -> String {
        var lines = [style.bold("\(heap) heap: \(old) → \(new)") + style.dim(buildID.map { " (build-id \($0))" } ?? "")]
        let what = heap.hasPrefix("Go") ? "live heap" : "chunks in use"
        lines.append("\(what): \(totals.oldCount) → \(totals.newCount) objects (\(Self.signed(totals.count))), "
                     + "\(Format.bytes(totals.oldBytes)) → \(Format.bytes(totals.newBytes)) (\(Self.signedBytes(totals.bytes)))")
        if let allocated {
            lines.append(style.dim("allocated (live and garbage, as MemStats counts): \(allocated.oldCount) → \(allocated.newCount) objects "
                                   + "(\(Self.signed(allocated.count))), \(Self.signedBytes(allocated.bytes))"))
        }
        lines.append("")
        lines.append(style.bold("Growth by type"))
        if types.isEmpty {
            lines.append("  no type changed")
        } else {
            var table = TextTable(["bytes", "count", "old count", "new count", "type"])
            for row in types {
                table.add([Self.signedBytes(row.bytes), Self.signed(row.count), String(row.oldCount), String(row.newCount), row.type])
            }
            lines.append(table.render(indent: "  "))
            if otherTypes > 0 { lines.append(style.dim("  … and \(otherTypes) more changed types (--top)")) }
        }
        if let goroutines { lines += goroutineLines(goroutines, style: style) }
        if let sites { lines += siteLines(sites, style: style) }
        if let leaks { lines += leakLines(leaks, style: style) }
        if let profile { lines += ["", "profile written to \(profile.path): \(profile.samples) samples, \(Format.bytes(UInt64(profile.bytes)))"] }
        return lines.joined(separator: "\n")
    }

    private func goroutineLines(_ goroutines: Goroutines, style: TextStyle) -> [String] {
        var lines = ["", style.bold("Goroutines: \(goroutines.old) → \(goroutines.new) (\(Self.signed(Int64(goroutines.count))))")]
        for group in goroutines.groups {
            var title = "  \(Self.signed(Int64(group.count))) (\(group.oldCount) → \(group.newCount)) [\(group.state)]"
            if let location = group.userLocation { title += " in \(location.text)" }
            if let creator = group.createdBy { title += style.dim(", created by \(creator.text)") }
            lines.append(title)
        }
        if goroutines.otherGroups > 0 { lines.append(style.dim("  … and \(goroutines.otherGroups) more changed groups (--top)")) }
        return lines
    }

    private func siteLines(_ sites: Sites, style: TextStyle) -> [String] {
        var lines = ["", style.bold("Allocation sites (the in-core memory profile)")]
        var table = TextTable(["in-use bytes", "in-use objects", "allocated bytes", "allocated objects", "site"])
        for site in sites.sites + [sites.totals] {
            let location = site.file.map { " at \(Format.basename($0))" + (site.line.map { ":\($0)" } ?? "") } ?? ""
            table.add([Self.signedBytes(site.inUseBytes), Self.signed(site.inUseObjects), Self.signedBytes(site.allocBytes),
                       Self.signed(site.allocObjects), site.function + location])
        }
        lines.append(table.render(indent: "  "))
        if sites.otherSites > 0 { lines.append(style.dim("  … and \(sites.otherSites) more changed sites (--top)")) }
        return lines
    }

    private func leakLines(_ leaks: Leaks, style: TextStyle) -> [String] {
        let fresh = leaks.newLeaks
        var lines = ["", style.bold("New leaks: \(fresh.total.count) allocations, \(Format.bytes(fresh.total.bytes))")
            + " (direct \(fresh.direct.count), indirect \(fresh.indirect.count), possible \(fresh.possible.count)); "
            + style.dim("leaked in total \(Self.leaked(leaks.old)) → \(Self.leaked(leaks.new))")]
        guard !leaks.groups.isEmpty else { return lines }
        var table = TextTable(["bytes", "count", "kind", "type or size"])
        for group in leaks.groups.prefix(top) {
            table.add([Format.bytes(group.bytes), String(group.count), group.kind, group.type])
        }
        lines.append(table.render(indent: "  "))
        if leaks.groups.count > top { lines.append(style.dim("  … and \(leaks.groups.count - top) more groups (--top)")) }
        return lines
    }

    private static func leaked(_ totals: LeaksReport.Totals) -> String {
        let count = totals.direct.count + totals.indirect.count + totals.possible.count
        return "\(count) (\(Format.bytes(totals.direct.bytes + totals.indirect.bytes + totals.possible.bytes)))"
    }

    static func signed(_ value: Int64) -> String { value > 0 ? "+\(value)" : String(value) }

    static func signedBytes(_ value: Int64) -> String {
        (value < 0 ? "-" : "+") + Format.bytes(value.magnitude)
    }
}
