import CoreFile
import ProcessImage

/// A target whose input is a whole core: written to a scratch file and opened as a real one,
/// seeded with the fixture cores cut down (`ShrunkenCore`).
class WholeCoreTarget: FuzzTarget {
    private let fixtures: FuzzFixtures
    private let scratch = ScratchFile()

    init(fixtures: FuzzFixtures) { self.fixtures = fixtures }

    /// Reads the core at `path`; returns its warnings.
    func read(corePath path: String) throws -> [Warning] { [] }

    func run(_ input: UnsafeRawBufferPointer) -> FuzzOutcome {
        scratch.write(input)
        do {
            return FuzzOutcome(warnings: try read(corePath: scratch.path))
        } catch {
            return .refused("\(error)")
        }
    }

    func seeds() throws -> [[UInt8]] { try fixtures.seedCores.map { try ShrunkenCore.bytes(of: $0) } }
}

/// The ELF header, program headers and notes: `CoreFile` over the input as a whole core file.
final class CoreFileTarget: WholeCoreTarget {
    override func read(corePath path: String) throws -> [Warning] {
        let core = try CoreFile(path: path)
        // What `info` and `notes` show, so their formatting sees the damage too.
        var fields = core.auxiliaryVector.fields.count + (core.fileMappings?.fields.count ?? 0)
        fields += core.threads.reduce(0) { $0 + $1.status.fields.count + ($1.signalInfo?.fields.count ?? 0) }
        fields += core.processInfo?.fields.count ?? 0
        _ = (fields, core.signaledThread?.tid, core.producer)
        return core.warnings
    }
}

/// The note decoders alone: the first byte picks NT_FILE, NT_AUXV, NT_PRSTATUS,
/// NT_PRPSINFO or NT_SIGINFO, the rest is the descriptor.
final class NoteDecoderTarget: FuzzTarget {
    static let decoded: [NoteType] = [.file, .auxv, .prstatus, .prpsinfo, .siginfo]
    private let fixtures: FuzzFixtures

    init(fixtures: FuzzFixtures) { self.fixtures = fixtures }

    func run(_ input: UnsafeRawBufferPointer) -> FuzzOutcome {
        guard let selector = input.first else { return .refused("empty input") }
        let descriptor = ByteView(UnsafeRawBufferPointer(rebasing: input.dropFirst()))
        let path = "fuzz input"
        do {
            let fields: [NoteField]
            switch Self.decoded[Int(selector) % Self.decoded.count] {
            case .file: fields = try FileMappings(descriptor: descriptor, path: path).fields
            case .auxv: fields = AuxiliaryVector(descriptor: descriptor).fields
            case .prstatus: fields = try ProcessStatus(descriptor: descriptor, path: path).fields
            case .prpsinfo: fields = try ProcessInfo(descriptor: descriptor, path: path).fields
            default: fields = try SignalInfo(descriptor: descriptor, path: path).fields
            }
            return .read(warnings: fields.isEmpty ? ["no fields"] : [])
        } catch {
            return .refused("\(error)")
        }
    }

    func seeds() throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for path in fixtures.seedCores {
            let core = try CoreFile(path: path)
            for (selector, kind) in Self.decoded.enumerated() {
                // Two of each kind per core: a kernel core's threads differ little.
                for note in core.notes.filter({ $0.kind == kind }).prefix(2) {
                    seeds.append([UInt8(selector)] + note.descriptor.bytes)
                }
            }
        }
        return seeds
    }
}

/// `ProcessImage` over the input as a whole core, then reads through its
/// address space: region lookup, core-backed and file-backed bytes, strings,
/// and the modules' ELF headers in memory.
final class ProcessImageTarget: WholeCoreTarget {
    override func read(corePath path: String) throws -> [Warning] {
        let process = try ProcessImage(corePath: path)
        let memory = process.memory
        var checksum: UInt64 = 0
        for region in memory.regions.prefix(256) {
            let last = region.range.end.retreated(by: 8)
            checksum &+= (try? memory.readUInt64(at: region.range.start)) ?? 0
            checksum &+= (try? memory.readUInt64(at: last)) ?? 0
            checksum &+= UInt64((try? memory.readCString(at: last, maxLength: 64))?.utf8.count ?? 0)
            checksum &+= UInt64((try? memory.readBytes(at: region.range.start, count: 256))?.count ?? 0)
        }
        for thread in process.threads {
            checksum &+= (try? memory.readPointer(at: thread.sp))?.rawValue ?? 0
        }
        for module in process.modules {
            checksum &+= UInt64(process.loadedProgramHeaders(of: module)?.headers.count ?? 0)
        }
        _ = (checksum, memory.byteCounts, process.signal)
        return process.warnings
    }
}
