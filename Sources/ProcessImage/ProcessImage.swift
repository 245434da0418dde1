import CoreFile

/// The dumped process: its memory, loaded modules and threads, assembled from
/// a core and the files it names.
public final class ProcessImage: @unchecked Sendable {
    public let core: CoreFile
    public let memory: AddressSpace
    public let modules: [Module]
    /// The thread that took the signal first, then the others in note order.
    public let threads: [ProcessThread]
    public let warnings: [Warning]

    public var processInfo: ProcessInfo? { core.processInfo }
    public var mainExecutable: Module? { modules.first { $0.kind == .executable } }
    /// The fatal signal: the signaled thread's NT_SIGINFO.
    public var signal: SignalInfo? { threads.first(where: \.tookSignal)?.signal }

    public convenience init(corePath: String, search: FileSearch = FileSearch()) throws {
        try self.init(core: CoreFile(path: corePath), search: search)
    }

    public init(core: CoreFile, search: FileSearch = FileSearch()) throws {
        let corePath = core.path
        self.core = core
        let coreOnly = AddressSpace(core: core, files: [:])
        var locator = FileLocator(search: search)
        var modules: [Module] = []
        var mappedFiles: [String: MappedFile] = [:]

        let entry = core.auxiliaryVector[AuxiliaryVector.entry].map { Address($0) }
        for group in ProcessImage.groupByPath(core.fileMappings?.mappings ?? []) {
            guard let base = group.base, ProcessImage.looksLikeELF(group, coreOnly: coreOnly, locator: locator) else {
                if let located = locator.locateData(recordedPath: group.path) { mappedFiles[group.path] = located.file }
                continue
            }
            let isExecutable = entry.map { group.range.contains($0) } ?? modules.isEmpty
            let expected = MemoryELFHeaders.buildID(in: coreOnly, base: base)
            let status: Module.FileStatus
            if isExecutable, let explicit = search.executable {
                status = try locator.locateExplicit(explicit, expected: expected)
            } else {
                status = locator.locateModule(recordedPath: group.path, expected: expected)
            }
            let module = Module(name: group.path, kind: isExecutable ? Module.Kind.executable : .library, range: group.range,
                                base: base, coreBuildID: expected, file: status)
            if let located = module.located { mappedFiles[group.path] = located.file }
            modules.append(module)
        }
        if let vdso = ProcessImage.vdsoModule(core: core, memory: coreOnly) { modules.append(vdso) }
        self.modules = modules
        memory = AddressSpace(core: core, files: mappedFiles)
        threads = ProcessImage.threads(of: core)
        var warnings = core.warnings + locator.warnings
        if modules.contains(where: { $0.kind == .executable }) == false {
            warnings.append(Warning("\(corePath): no executable found among the core's file mappings", kind: .missingFile))
        }
        self.warnings = warnings
    }

    struct PathGroup {
        var path: String
        var mappings: [FileMappings.Mapping]
        var base: Address? { mappings.filter { $0.fileOffset == 0 }.map(\.range.start).min() }
        var range: AddressRange {
            AddressRange(start: mappings.map(\.range.start).min() ?? .zero, end: mappings.map(\.range.end).max() ?? .zero)
        }
    }

    /// NT_FILE lists one entry per mapping; a module is all mappings of one path.
    static func groupByPath(_ mappings: [FileMappings.Mapping]) -> [PathGroup] {
        var order: [String] = []
        var byPath: [String: [FileMappings.Mapping]] = [:]
        for mapping in mappings {
            if byPath[mapping.path] == nil { order.append(mapping.path) }
            byPath[mapping.path, default: []].append(mapping)
        }
        return order.map { PathGroup(path: $0, mappings: byPath[$0] ?? []) }
    }

    /// Data files (locale archives, caches) are mapped too; only ELF objects are modules.
    static func looksLikeELF(_ group: PathGroup, coreOnly: AddressSpace, locator: FileLocator) -> Bool {
        guard let base = group.base else { return false }
        if MemoryELFHeaders.isELF(in: coreOnly, at: base) { return true }
        if coreOnly.regionIndex(containing: base).map({ coreOnly.regions[$0].source != .absent }) == true { return false }
        // The core kept no header page: ask the file, if we have it.
        guard let located = locator.locateData(recordedPath: group.path) else { return group.path.contains(".so") }
        return located.elf != nil
    }

    static func vdsoModule(core: CoreFile, memory: AddressSpace) -> Module? {
        guard let address = core.auxiliaryVector[AuxiliaryVector.vdso].map({ Address($0) }),
              let index = memory.regionIndex(containing: address),
              MemoryELFHeaders.isELF(in: memory, at: address)
        else { return nil }
        return Module(name: "[vdso]", kind: .vdso, range: memory.regions[index].range, base: address,
                      coreBuildID: MemoryELFHeaders.buildID(in: memory, base: address), file: .inMemory)
    }

    static func threads(of core: CoreFile) -> [ProcessThread] {
        let leader = core.processInfo?.pid
        let signaledTID = core.signaledThread?.tid
        let threads = core.threads.map { notes in
            ProcessThread(tid: notes.tid,
                          name: notes.tid == leader ? core.processInfo?.fileName : nil,
                          registers: RegisterSet(values: notes.status.registers),
                          signal: notes.signalInfo,
                          tookSignal: notes.tid == signaledTID)
        }
        return threads.filter(\.tookSignal) + threads.filter { !$0.tookSignal }
    }
}

extension ProcessImage {
    /// A module's program headers as loaded, and its load bias (runtime
    /// address minus link-time address). Read from memory, so this works even
    /// when the file on disk is missing.
    public func loadedProgramHeaders(of module: Module) -> (headers: [ProgramHeader], bias: UInt64)? {
        guard let headers = try? MemoryELFHeaders.programHeaders(in: memory, base: module.base),
              let firstLoad = headers.first(where: { $0.type == ProgramHeader.load })
        else { return nil }
        return (headers, module.base.rawValue &- (firstLoad.virtualAddress & ~0xfff))
    }
}
