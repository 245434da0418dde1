import CoreFile
import GoRuntime
import ProcessImage
import Symbols

/// `coreinspect info`: one screen about the dump, from what the command
/// has already read (the process image, debug info, Go build info).
public struct InfoReport: Encodable {
    public struct ProcessSummary: Encodable {
        public var pid: Int32?
        public var ppid: Int32?
        public var uid: UInt32?
        public var command: String?
        public var arguments: String?
    }

    public struct ModuleEntry: Encodable {
        public var name: String
        public var kind: String
        public var start: String
        public var end: String
        public var buildID: String?
        /// found, forced, mismatched, missing or in-memory.
        public var fileStatus: String
        public var file: String?
        public var fileBuildID: String?
        public var buildIDMatches: Bool?
        /// embedded, separate, or none.
        public var debugInfo: String
        public var debugFile: String?
    }

    public struct MemorySummary: Encodable {
        public var regions: Int
        public var inCore: UInt64
        public var fromFiles: UInt64
        public var absent: UInt64
    }

    /// What `go version -m` prints.
    public struct GoSummary: Encodable {
        public struct Dependency: Encodable {
            public var path: String
            public var version: String
            public var sum: String?
            public var replacement: String?
        }
        public var version: String
        public var path: String?
        public var mainModule: String?
        public var mainModuleVersion: String?
        public var dependencies: [Dependency]
        public var settings: [String: String]
    }

    public var producer: String
    public var process: ProcessSummary
    public var signal: SignalSummary?
    public var signaledThread: Int32?
    public var threadCount: Int
    public var executable: ModuleEntry?
    public var go: GoSummary?
    public var memory: MemorySummary
    public var modules: [ModuleEntry]

    /// - Parameters:
    ///   - debugInfo: each module's debug info, in the order of `image.modules`.
    ///   - goBuildInfo: the executable's Go build info; nil for other programs.
    public init(process image: ProcessImage, debugInfo: [DebugInfoStatus], goBuildInfo: GoBuildInfo?) {
        producer = image.core.producer.rawValue
        let info = image.processInfo
        process = ProcessSummary(pid: info?.pid, ppid: info?.ppid, uid: info?.uid, command: info?.fileName, arguments: info?.arguments)
        let signaled = image.threads.first(where: \.tookSignal)
        signal = signaled?.signal.map(SignalSummary.init)
        signaledThread = signaled?.tid
        threadCount = image.threads.count
        modules = zip(image.modules, debugInfo).map { ModuleEntry($0, debugInfo: $1) }
        executable = modules.first { $0.kind == Module.Kind.executable.rawValue }
        go = goBuildInfo.map(GoSummary.init)
        let counts = image.memory.byteCounts
        memory = MemorySummary(regions: image.memory.regions.count, inCore: counts.core, fromFiles: counts.file, absent: counts.absent)
    }

    public func text(style: TextStyle) -> String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            lines.append(style.bold(label.padded(to: 12)) + value)
        }
        row("process", "pid \(process.pid.map(String.init) ?? "?")  \(process.arguments ?? process.command ?? "")")
        row("dumped by", producer == "gdb" ? "gdb (gcore)" : "the kernel")
        if let signal {
            var text = "\(signal.name) (\(signal.number)), code \(signal.codeName)"
            if let address = signal.faultAddress { text += ", fault address \(address)" }
            if let sender = signal.senderPID { text += ", sent by pid \(sender)" }
            if let tid = signaledThread { text += ", thread \(tid)" }
            row("signal", style.red(text))
        } else {
            row("signal", "none")
        }
        row("threads", "\(threadCount)")
        if let executable {
            row("executable", executable.file ?? executable.name)
            row("build-id", (executable.buildID ?? "none") + " " + executable.matchText(style: style))
            row("debug info", executable.debugFile ?? executable.debugInfo)
        } else {
            row("executable", style.yellow("not found in the core's file mappings"))
        }
        if let go {
            var text = go.version
            if let module = go.mainModule { text += ", module \(module) \(go.mainModuleVersion ?? "")" }
            if let revision = go.settings["vcs.revision"] { text += ", revision \(revision.prefix(12))" }
            row("go", text)
            if !go.dependencies.isEmpty {
                row("go deps", go.dependencies.map { "\($0.path) \($0.version)" }.joined(separator: ", "))
            }
            let flags = ["-ldflags", "-tags", "CGO_ENABLED", "GOARCH", "GOAMD64"].compactMap { key in go.settings[key].map { "\(key)=\($0)" } }
            if !flags.isEmpty { row("go build", flags.joined(separator: " ")) }
        } else {
            row("go", "no (no Go build info in the executable)")
        }
        row("memory", "\(Format.bytes(memory.inCore)) in the core, \(Format.bytes(memory.fromFiles)) read from files, "
            + "\(Format.bytes(memory.absent)) absent, in \(memory.regions) regions")
        lines.append("")
        var table = TextTable(["MODULE", "RANGE", "BUILD-ID", "FILE", "DEBUG INFO"])
        for module in modules {
            table.add([Format.basename(module.name), "\(module.start)-\(module.end)", module.buildID.map { String($0.prefix(16)) } ?? "-",
                       module.fileStatus, module.debugInfo])
        }
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }
}

extension InfoReport.ModuleEntry {
    init(_ module: Module, debugInfo: DebugInfoStatus) {
        name = module.name
        kind = module.kind.rawValue
        start = module.range.start.hex
        end = module.range.end.hex
        buildID = module.coreBuildID?.text
        fileBuildID = module.located?.buildID?.text
        buildIDMatches = module.buildIDMatches
        switch module.file {
        case let .found(located): fileStatus = "found"; file = located.path
        case let .forced(located): fileStatus = "forced"; file = located.path
        case let .mismatched(path, _): fileStatus = "mismatched"; file = path
        case .missing: fileStatus = "missing"
        case .inMemory: fileStatus = "in-memory"
        }
        switch debugInfo {
        case .embedded: self.debugInfo = "embedded"
        case let .separate(path): self.debugInfo = "separate"; debugFile = path
        case .none: self.debugInfo = "none"
        }
    }

    func matchText(style: TextStyle) -> String {
        switch buildIDMatches {
        case true?: return "(matches the file)"
        case false?: return style.red("(file has \(fileBuildID ?? "none"))")
        case nil: return fileStatus == "found" ? "(not recorded in the core)" : style.yellow("(file \(fileStatus))")
        }
    }
}

extension InfoReport.GoSummary {
    init(_ info: GoBuildInfo) {
        version = info.goVersion
        path = info.path
        mainModule = info.mainModule?.path
        mainModuleVersion = info.mainModule?.version
        dependencies = info.dependencies.map { Dependency(path: $0.path, version: $0.version, sum: $0.sum, replacement: $0.replacement) }
        settings = Dictionary(info.settings.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
