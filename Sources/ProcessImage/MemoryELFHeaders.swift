import CoreFile

/// Reads a loaded ELF object's headers out of the inferior's memory, to learn
/// the build-id the process really ran with.
///
/// Both gcore and the kernel keep the first page of each ELF mapping in the
/// core for exactly this purpose (coredump_filter bit 4).
enum MemoryELFHeaders {
    /// The build-id of the ELF object whose header is at `base`, or `nil` if
    /// the header or the note is not readable.
    static func buildID(in memory: MemoryReader, base: Address) -> BuildID? {
        guard let headers = try? programHeaders(in: memory, base: base) else { return nil }
        let loads = headers.filter { $0.type == ProgramHeader.load }
        guard let firstLoad = loads.first else { return nil }
        // Load bias: where the first PT_LOAD's page landed minus where the file wanted it.
        let bias = base.rawValue &- (firstLoad.virtualAddress & ~0xfff)
        for note in headers where note.type == ProgramHeader.note && note.fileSize <= 1 << 16 {
            let address = Address(note.virtualAddress &+ bias)
            let bytes = OwnedBytes(count: Int(note.fileSize))
            guard (try? memory.read(into: bytes.mutableBytes, at: address)) != nil else { continue }
            if let id = ELFNote.identity(in: ELFNote.parseAll(bytes.view).notes) { return id }
        }
        return nil
    }

    /// The program headers of the ELF object at `base`; they sit in its first page.
    static func programHeaders(in memory: MemoryReader, base: Address) throws -> [ProgramHeader] {
        let page = OwnedBytes(count: 4096)
        try memory.read(into: page.mutableBytes, at: base)
        // Copy the parsed headers out: the image's view dies with `page`.
        return try withExtendedLifetime(page) { try ELFImage(view: page.view, path: "memory at \(base.hex)").programHeaders }
    }

    static func isELF(in memory: MemoryReader, at address: Address) -> Bool {
        (try? memory.readUInt32(at: address)) == 0x464c_457f
    }
}
