/// An ELF64 x86_64 core dump: its memory segments and its decoded notes.
///
/// Only the ELF container is understood here; what the memory means is the
/// business of the layers above.
public final class CoreFile: @unchecked Sendable {
    public let path: String
    public let file: MappedFile
    public let elf: ELFImage
    /// PT_LOAD segments sorted by address, clamped to the bytes the file really has.
    public let segments: [CoreSegment]
    public let notes: [ELFNote]
    public let processInfo: ProcessInfo?
    public let threads: [ThreadNotes]
    public let auxiliaryVector: AuxiliaryVector
    public let fileMappings: FileMappings?
    public let producer: Producer
    public let warnings: [Warning]

    /// Who wrote the core; their conventions differ (see DESIGN.md).
    public enum Producer: String, Sendable {
        case gdb, kernel
    }

    /// Opens a core, plain or compressed (zstd, xz, gzip).
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path, decompressing: true))
    }

    public init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        self.file = file
        elf = try ELFImage(view: file.bytes, path: path)
        guard elf.header.fileType == .core else {
            throw CoreInspectError.notACore(path: path, elfType: elf.header.typeName)
        }
        guard elf.header.machine == ELFHeader.machineX86_64 else {
            throw CoreInspectError.unsupportedCore(path: path, reason: "machine \(elf.header.machine); only x86_64 (62) is supported")
        }
        var warnings: [Warning] = []
        segments = CoreFile.loadSegments(elf, fileSize: file.size, path: path, warnings: &warnings)
        notes = CoreFile.readNotes(elf, path: path, warnings: &warnings)
        let decoded = DecodedNotes(notes, path: path, warnings: &warnings)
        processInfo = decoded.processInfo
        threads = decoded.threads
        auxiliaryVector = decoded.auxiliaryVector ?? AuxiliaryVector(entries: [])
        fileMappings = decoded.fileMappings
        producer = notes.contains { $0.owner == "GDB" } || notes.first?.kind == .prpsinfo ? .gdb : .kernel
        if threads.isEmpty { warnings.append(Warning("\(path): no NT_PRSTATUS notes: the core records no threads", kind: .malformedCore)) }
        self.warnings = warnings
    }

    /// The thread that took the fatal signal: the one with `pr_cursig` set.
    public var signaledThread: ThreadNotes? { threads.first { $0.status.currentSignal != 0 } }

    private static func loadSegments(_ elf: ELFImage, fileSize: UInt64, path: String, warnings: inout [Warning]) -> [CoreSegment] {
        var segments: [CoreSegment] = []
        var cut: [CoreSegment] = []
        var missingBytes: UInt64 = 0
        var wrapping: [UInt64] = []
        for header in elf.programHeaders where header.type == ProgramHeader.load {
            guard header.virtualAddress <= UInt64.max - header.memorySize else {
                wrapping.append(header.virtualAddress)
                continue
            }
            var segment = CoreSegment(header)
            let available = header.fileOffset >= fileSize ? 0 : fileSize - header.fileOffset
            if segment.fileSize > available {
                // A cut-off core still holds everything before the cut: keep it, say what is gone.
                // Lying sizes may sum past 2^64; the message needs only their order of magnitude.
                missingBytes = min(missingBytes, .max - (segment.fileSize - available)) + (segment.fileSize - available)
                segment.fileSize = available
                cut.append(segment)
            }
            segments.append(segment)
        }
        if let first = cut.min(by: { $0.range.start < $1.range.start }) {
            warnings.append(Warning("\(path): truncated: segment at \(first.range.start.hex) and \(cut.count - 1) more lack \(missingBytes) bytes past the end of the file (\(fileSize) bytes)", kind: .truncatedCore))
        }
        if let first = wrapping.first {
            warnings.append(Warning("\(path): malformed: segment at \(Address(first).hex) and \(wrapping.count - 1) more run past the end of the address space (p_vaddr + p_memsz wraps); left out", kind: .malformedCore))
        }
        segments.sort { $0.range.start < $1.range.start }
        return clippingOverlaps(segments, path: path, warnings: &warnings)
    }

    /// Segments that overlap the one before them lose the overlapping part: the address space
    /// above needs disjoint regions, and a core never maps one address twice.
    private static func clippingOverlaps(_ sorted: [CoreSegment], path: String, warnings: inout [Warning]) -> [CoreSegment] {
        var kept: [CoreSegment] = []
        kept.reserveCapacity(sorted.count)
        var overlapping: [Address] = []
        var coveredEnd = Address.zero
        for var segment in sorted where !segment.range.isEmpty {
            if segment.range.start < coveredEnd {
                overlapping.append(segment.range.start)
                guard segment.range.end > coveredEnd else { continue }
                let skipped = coveredEnd.offset(from: segment.range.start)
                segment.range.start = coveredEnd
                segment.fileOffset &+= min(skipped, segment.fileSize)
                segment.fileSize -= min(skipped, segment.fileSize)
            }
            coveredEnd = segment.range.end
            kept.append(segment)
        }
        if let first = overlapping.first {
            warnings.append(Warning("\(path): malformed: segment at \(first.hex) and \(overlapping.count - 1) more overlap the segment before them; the overlapping bytes are taken from the first", kind: .malformedCore))
        }
        return kept
    }

    private static func readNotes(_ elf: ELFImage, path: String, warnings: inout [Warning]) -> [ELFNote] {
        var notes: [ELFNote] = []
        for header in elf.programHeaders where header.type == ProgramHeader.note {
            let available = header.fileOffset >= UInt64(elf.view.count) ? 0 : UInt64(elf.view.count) - header.fileOffset
            if header.fileSize > available {
                warnings.append(Warning("\(path): truncated: note segment has \(available) of \(header.fileSize) bytes", kind: .truncatedCore))
            }
            guard let segment = elf.view.slice(at: header.fileOffset, count: min(header.fileSize, available)) else { continue }
            let parsed = ELFNote.parseAll(segment)
            notes += parsed.notes
            if let problem = parsed.problem { warnings.append(Warning("\(path): \(problem)", kind: .malformedCore)) }
        }
        return notes
    }
}

/// One PT_LOAD segment of the core.
public struct CoreSegment: Hashable, Sendable {
    /// The whole mapping, `p_vaddr` to `p_vaddr + p_memsz`.
    public var range: AddressRange
    public var fileOffset: UInt64
    /// Bytes present in the core, from `range.start`; the rest of the range is absent
    /// (the kernel writes `p_filesz` 0 for file-backed text it left out).
    public var fileSize: UInt64
    public var permissions: Permissions

    init(_ header: ProgramHeader) {
        range = AddressRange(start: Address(header.virtualAddress), size: header.memorySize)
        fileOffset = header.fileOffset
        fileSize = min(header.fileSize, header.memorySize)
        permissions = header.permissions
    }

    public var presentRange: AddressRange { AddressRange(start: range.start, size: fileSize) }
}

/// The notes that belong to one thread: its NT_PRSTATUS and, where written,
/// its NT_SIGINFO.
public struct ThreadNotes: Sendable {
    public var status: ProcessStatus
    public var signalInfo: SignalInfo?
    public var tid: Int32 { status.tid }
}

extension AuxiliaryVector {
    init(entries: [Entry]) { self.entries = entries }
}

/// Notes decoded by type. Notes that follow an NT_PRSTATUS up to the next one
/// belong to its thread: that is how both gdb and the kernel lay them out.
struct DecodedNotes {
    var processInfo: ProcessInfo?
    var threads: [ThreadNotes] = []
    var auxiliaryVector: AuxiliaryVector?
    var fileMappings: FileMappings?

    init(_ notes: [ELFNote], path: String, warnings: inout [Warning]) {
        for note in notes {
            do {
                switch note.kind {
                case .prstatus:
                    threads.append(ThreadNotes(status: try ProcessStatus(descriptor: note.descriptor, path: path)))
                case .siginfo:
                    let info = try SignalInfo(descriptor: note.descriptor, path: path)
                    if !threads.isEmpty, threads[threads.count - 1].signalInfo == nil {
                        threads[threads.count - 1].signalInfo = info
                    }
                case .prpsinfo where processInfo == nil:
                    processInfo = try ProcessInfo(descriptor: note.descriptor, path: path)
                case .auxv where auxiliaryVector == nil:
                    auxiliaryVector = AuxiliaryVector(descriptor: note.descriptor)
                case .file where fileMappings == nil:
                    fileMappings = try FileMappings(descriptor: note.descriptor, path: path)
                default:
                    break
                }
            } catch {
                warnings.append(Warning("\(error)", kind: .malformedCore))
            }
        }
    }
}
