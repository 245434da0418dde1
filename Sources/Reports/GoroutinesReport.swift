import CoreFile
import GoRuntime
import Symbols

/// `coreinspect goroutines`: every goroutine with its state and stack, or
/// (`--group`) goroutines folded by identical stack, largest group first.
/// Takes finished snapshots or groups (GoRuntime walks and groups them).
public struct GoroutinesReport: Encodable {
    struct Entry: Encodable {
        var snapshot: GoroutineSnapshot

        enum CodingKeys: String, CodingKey {
            case id, status, waitReason, state, waitSince, thread, tookSignal, createdBy, parentID, frames, stopReason, truncated
        }

        func encode(to encoder: Encoder) throws {
            let goroutine = snapshot.goroutine
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(goroutine.id, forKey: .id)
            try container.encode(goroutine.status.name, forKey: .status)
            try container.encodeIfPresent(goroutine.waitReason, forKey: .waitReason)
            try container.encode(goroutine.stateName, forKey: .state)
            try container.encodeIfPresent(goroutine.waitSince == 0 ? nil : goroutine.waitSince, forKey: .waitSince)
            try container.encodeIfPresent(goroutine.threadID, forKey: .thread)
            try container.encode(snapshot.tookSignal, forKey: .tookSignal)
            try container.encodeIfPresent(snapshot.createdBy.map(SourceSite.init), forKey: .createdBy)
            try container.encodeIfPresent(goroutine.parentID, forKey: .parentID)
            try container.encode(NumberedFrame.numbered(snapshot.stack.frames), forKey: .frames)
            try container.encodeIfPresent(snapshot.stack.stopReason, forKey: .stopReason)
            try container.encode(snapshot.stack.truncated, forKey: .truncated)
        }
    }

    struct Group: Encodable {
        var group: GoroutineGroup

        enum CodingKeys: String, CodingKey { case count, state, ids, createdBy, userLocation, frames }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(group.count, forKey: .count)
            try container.encode(group.state, forKey: .state)
            try container.encode(group.ids, forKey: .ids)
            try container.encodeIfPresent(group.createdBy.map(SourceSite.init), forKey: .createdBy)
            try container.encodeIfPresent(SourceSite(group.location), forKey: .userLocation)
            try container.encode(NumberedFrame.numbered(group.stack.frames), forKey: .frames)
        }
    }

    var goVersion: String
    var layoutSource: String
    var total: Int
    var goroutines: [Entry]?
    var groups: [Group]?

    /// One entry per goroutine.
    public init(goVersion: String, layoutSource: String, goroutines: [GoroutineSnapshot]) {
        self.goVersion = goVersion
        self.layoutSource = layoutSource
        total = goroutines.count
        self.goroutines = goroutines.map(Entry.init)
    }

    /// One entry per group (`--group`).
    public init(goVersion: String, layoutSource: String, groups: [GoroutineGroup]) {
        self.goVersion = goVersion
        self.layoutSource = layoutSource
        total = groups.map(\.count).reduce(0, +)
        self.groups = groups.map(Group.init)
    }

    public func text(style: TextStyle) -> String {
        var lines: [String] = []
        for entry in goroutines ?? [] {
            let goroutine = entry.snapshot.goroutine
            var title = "goroutine \(goroutine.id) [\(goroutine.stateName)]"
            if let thread = goroutine.threadID { title += "  thread \(thread)" }
            if entry.snapshot.tookSignal { title += style.red("  <- took the signal") }
            lines.append(style.bold(title))
            lines += entry.snapshot.stack.textLines(style: style)
            if let site = entry.snapshot.createdBy.map(SourceSite.init) {
                lines.append(style.dim("    created by \(site.text)" + (goroutine.parentID.map { " in goroutine \($0)" } ?? "")))
            }
            lines.append("")
        }
        for group in (groups ?? []).map(\.group) {
            let noun = group.count == 1 ? "goroutine" : "goroutines"
            var title = "\(group.count) \(noun) [\(group.state)]"
            if let location = SourceSite(group.location) { title += " in \(location.text)" }
            if let site = group.createdBy.map(SourceSite.init) { title += ", created by \(site.text)" }
            lines.append(style.bold(title))
            let ids = group.ids.prefix(12).map(String.init).joined(separator: ", ") + (group.ids.count > 12 ? ", …" : "")
            lines.append(style.dim("    ids: \(ids)"))
            lines += group.stack.textLines(style: style, showStopReason: false)
            lines.append("")
        }
        lines.append("\(total) goroutines (\(goVersion), runtime layout from \(layoutSource))")
        return lines.joined(separator: "\n")
    }
}

extension SourceSite {
    init(_ frame: GoSourceFrame) {
        self.init(function: frame.function, file: frame.file, line: frame.line)
    }
}
