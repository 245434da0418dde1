import CoreFile
import GoRuntime
import ProcessImage

/// `GoSymbolTable` (pclntab header, function table, `_func` records, pc-value
/// tables, inline trees, and the moduledata that places them) over a Go
/// fixture whose pclntab and moduledata the input patches, then lookups of
/// functions, frames and frame sizes across the table.
final class GoSymbolTableTarget: FuzzTarget {
    private let fixture: LoadedFixture
    private let memory: PatchableMemory
    private let release: GoRelease?
    /// PCs that are in functions of the unpatched table: what a stack walk looks up.
    private let probes: [Address]

    init(fixture paths: FuzzFixture) throws {
        fixture = try LoadedFixture(paths)
        release = GoBuildInfo.read(from: fixture.process)?.release
        let table = try GoSymbolTable(process: fixture.process, release: release)
        let step = max(1, table.functionCount / 64)
        probes = stride(from: 0, to: table.functionCount, by: step).compactMap { table.function(atIndex: $0)?.entry.advanced(by: 1) }
        var ranges: [AddressRange] = []
        if let pclntab = fixture.sectionRange(".gopclntab") { ranges.append(pclntab) }
        if let moduleData = table.moduleData { ranges.append(AddressRange(start: moduleData.address, size: 0x300)) }
        memory = PatchableMemory(memory: fixture.process.memory, ranges: ranges)
    }

    func run(_ input: UnsafeRawBufferPointer) -> FuzzOutcome {
        memory.withPatches(input) {
            do {
                let table = try GoSymbolTable(process: fixture.process, release: release)
                var checksum = 0
                for pc in probes {
                    checksum &+= table.frames(at: pc, isReturnAddress: true).count
                    checksum &+= Int(table.stackPointerDelta(at: pc) ?? 0)
                    checksum &+= table.function(containing: pc)?.name.utf8.count ?? 0
                }
                checksum &+= table.functions(named: "main.main").count
                _ = checksum
                return FuzzOutcome(warnings: table.warnings)
            } catch {
                return .refused("\(error)")
            }
        }
    }

    func seeds() throws -> [[UInt8]] { memory.seedPatches() }
}

/// The Go build info reader over a Go fixture whose `.go.buildinfo` blob the input patches.
final class GoBuildInfoTarget: FuzzTarget {
    private let fixture: LoadedFixture
    private let memory: PatchableMemory

    init(fixture paths: FuzzFixture) throws {
        fixture = try LoadedFixture(paths)
        memory = PatchableMemory(memory: fixture.process.memory, ranges: fixture.sectionRange(".go.buildinfo", limit: 4096).map { [$0] } ?? [])
    }

    func run(_ input: UnsafeRawBufferPointer) -> FuzzOutcome {
        memory.withPatches(input) {
            guard let info = GoBuildInfo.read(from: fixture.process) else { return .refused("no build info") }
            return .read(warnings: info.release == nil ? ["unreadable version \(info.goVersion)"] : [])
        }
    }

    func seeds() throws -> [[UInt8]] { memory.seedPatches() }
}

/// The Go heap walker (`mheap_`, arenas, spans, allocation bits, specials)
/// over a Go fixture core whose writable memory the input patches; the
/// runtime (allgs, layouts, symbols) is read again from the patched memory too.
final class GoHeapTarget: FuzzTarget {
    private let fixture: LoadedFixture
    private let memory: PatchableMemory
    private let buildInfo: GoBuildInfo

    init(fixture paths: FuzzFixture) throws {
        fixture = try LoadedFixture(paths)
        guard let buildInfo = GoBuildInfo.read(from: fixture.process) else { throw GoRuntimeError.notGo }
        self.buildInfo = buildInfo
        memory = PatchableMemory(memory: fixture.process.memory, ranges: fixture.process.memory.nonZeroWritablePages())
    }

    func run(_ input: UnsafeRawBufferPointer) -> FuzzOutcome {
        memory.withPatches(input) {
            do {
                let go = try GoProcess(process: fixture.process, native: fixture.native, buildInfo: buildInfo)
                let heap = try GoHeap.read(process: fixture.process, go: go)
                return FuzzOutcome(warnings: go.warnings + heap.warnings)
            } catch {
                return .refused("\(error)")
            }
        }
    }

    func seeds() throws -> [[UInt8]] { memory.seedPatches() }
}
