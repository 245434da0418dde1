import CoreFile
import GoRuntime
import ProcessImage
import Symbols

/// `coreinspect goroutines`: every goroutine with its state and stack, or
/// (`--group`) goroutines folded by identical stack, largest group first.
public struct GoroutinesReport: Encodable {
    public struct Entry: Encodable {
        public var id: Int64
        public var status: String
        public var waitReason: String?
        /// What the runtime's traceback prints in brackets: the wait reason, else the status.
        public var state: String
        /// `g.waitsince` (runtime nanotime), where the runtime recorded it.
        public var waitSince: Int64?
        public var thread: Int32?
        public var tookSignal: Bool
        public var createdBy: SourceSite?
        public var parentID: Int64?
        public var frames: [ThreadsReport.FrameEntry]
        public var stopReason: String?
        public var truncated: Bool
    }

    public struct SourceSite: Encodable, Hashable {
        public var function: String
        public var file: String?
        public var line: Int?
    }

    public struct Group: Encodable {
        public var count: Int
        public var state: String
        public var ids: [Int64]
        public var createdBy: SourceSite?
        public var frames: [ThreadsReport.FrameEntry]
    }

    public struct Filter: Sendable {
        public var states: [String] = []
        public var waitReasons: [String] = []
        public var function: String?

        public init(states: [String] = [], waitReasons: [String] = [], function: String? = nil) {
            self.states = states
            self.waitReasons = waitReasons
            self.function = function
        }

        func accepts(_ entry: Entry) -> Bool {
            (states.isEmpty || states.contains { entry.status == $0 || entry.state == $0 })
                && (waitReasons.isEmpty || waitReasons.contains { entry.waitReason?.contains($0) == true })
                && (function.map { name in entry.frames.contains { $0.function?.contains(name) == true } } ?? true)
        }
    }

    public var goVersion: String
    public var layoutSource: String
    public var total: Int
    public var goroutines: [Entry]?
    public var groups: [Group]?

    public init(process: ProcessImage, go: GoProcess, filter: Filter, group: Bool, maxFrames: Int) {
        goVersion = go.buildInfo.goVersion
        layoutSource = go.layoutSource
        let signaledTID = process.threads.first(where: \.tookSignal)?.tid
        // Thousands of goroutines share a few stacks: convert each distinct stack once.
        var converted: [[UInt64]: [ThreadsReport.FrameEntry]] = [:]
        var stackKeys: [Int64: [UInt64]] = [:]
        var entries = go.goroutines.map { goroutine -> Entry in
            let stack = go.stack(of: goroutine, threads: process.threads, maxFrames: maxFrames)
            let key = stack.frames.map { $0.pc.rawValue &+ ($0.isInlined ? 1 << 63 : 0) }
            stackKeys[goroutine.id] = key
            let frames = converted[key] ?? stack.frames.enumerated().map { ThreadsReport.FrameEntry($1, index: $0) }
            converted[key] = frames
            return Entry(id: goroutine.id, status: goroutine.status.name, waitReason: goroutine.waitReason, state: goroutine.stateName,
                         waitSince: goroutine.waitSince == 0 ? nil : goroutine.waitSince, thread: goroutine.threadID,
                         tookSignal: goroutine.threadID != nil && goroutine.threadID == signaledTID,
                         createdBy: go.creationSite(of: goroutine).map { SourceSite(function: $0.function, file: $0.file, line: $0.line) },
                         parentID: goroutine.parentID, frames: frames, stopReason: stack.stopReason, truncated: stack.truncated)
        }
        entries = entries.filter(filter.accepts).sorted { $0.id < $1.id }
        total = entries.count
        if group {
            groups = GoroutinesReport.group(entries, stackKeys: stackKeys)
        } else {
            goroutines = entries
        }
    }

    /// Goroutines with the same state, stack (the same pcs, as the runtime's
    /// goroutine profile groups them) and creator fold into one group.
    static func group(_ entries: [Entry], stackKeys: [Int64: [UInt64]]) -> [Group] {
        struct Key: Hashable {
            var state: String
            var stack: [UInt64]
            var createdBy: SourceSite?
        }
        var indexByKey: [Key: Int] = [:]
        var groups: [Group] = []
        for entry in entries {
            let key = Key(state: entry.state, stack: stackKeys[entry.id] ?? [], createdBy: entry.createdBy)
            if let index = indexByKey[key] {
                groups[index].count += 1
                groups[index].ids.append(entry.id)
            } else {
                indexByKey[key] = groups.count
                groups.append(Group(count: 1, state: entry.state, ids: [entry.id], createdBy: entry.createdBy, frames: entry.frames))
            }
        }
        return groups.sorted { $0.count > $1.count || ($0.count == $1.count && $0.ids[0] < $1.ids[0]) }
    }

    public func text(style: TextStyle) -> String {
        var lines: [String] = []
        if let goroutines {
            for entry in goroutines {
                var title = "goroutine \(entry.id) [\(entry.state)]"
                if let thread = entry.thread { title += "  thread \(thread)" }
                if entry.tookSignal { title += style.red("  <- took the signal") }
                lines.append(style.bold(title))
                lines += entry.frames.map { $0.text(style: style) }
                if let reason = entry.stopReason { lines.append(style.yellow("    (\(reason))")) }
                if let site = entry.createdBy { lines.append(style.dim("    created by \(site.text)" + (entry.parentID.map { " in goroutine \($0)" } ?? ""))) }
                lines.append("")
            }
        }
        for group in groups ?? [] {
            let noun = group.count == 1 ? "goroutine" : "goroutines"
            var title = "\(group.count) \(noun) [\(group.state)]"
            if let top = group.frames.first(where: { !($0.function ?? "").hasPrefix("runtime.") }) ?? group.frames.first {
                title += " in \(top.function ?? "??")"
                if let file = top.file { title += " at \(Format.basename(file)):\(top.line ?? 0)" }
            }
            if let site = group.createdBy { title += ", created by \(site.text)" }
            lines.append(style.bold(title))
            let ids = group.ids.prefix(12).map(String.init).joined(separator: ", ") + (group.ids.count > 12 ? ", …" : "")
            lines.append(style.dim("    ids: \(ids)"))
            lines += group.frames.map { $0.text(style: style) }
            lines.append("")
        }
        lines.append("\(total) goroutines (\(goVersion), runtime layout from \(layoutSource))")
        return lines.joined(separator: "\n")
    }
}

extension GoroutinesReport.SourceSite {
    var text: String {
        var text = function
        if let file { text += " at \(Format.basename(file))" + (line.map { ":\($0)" } ?? "") }
        return text
    }
}
