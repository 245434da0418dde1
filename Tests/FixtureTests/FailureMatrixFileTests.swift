import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// docs/errors.md's rows about the file, its ELF container and the executable, made from the C
/// fixture's kernel core.
final class FailureMatrixFileTests: FailureMatrixTestCase {
    static let elfSection = "The file and its ELF container"
    static let executableSection = "Executables and debug info"

    private var core: String!
    private var executable: String!
    private var layout: CoreLayout!

    override func setUpWithError() throws {
        try super.setUpWithError()
        (core, executable, _) = try Fixtures.cKernel()
        layout = try CoreLayout(path: core)
    }

    func testELFContainerRows() throws {
        try checkRows(in: Self.elfSection) { id in
            let input = { (path: String) in MatrixInput(core: path, executable: self.executable) }
            switch id {
            case "not-elf": return input(Fixtures.testCores + "/c-threads/main.c")
            case "empty-file":
                XCTAssertTrue(FileManager.default.createFile(atPath: scratch + "/empty", contents: Data()))
                return input(scratch + "/empty")
            case "missing-file": return input(scratch + "/no-such-core")
            case "unreadable-file":
                try XCTSkipIf(geteuid() == 0, "root reads a file whatever its mode")
                let path = try copy(core, as: "unreadable")
                chmod(path, 0)
                return input(path)
            case "directory": return input(scratch)
            case "fifo":
                XCTAssertEqual(mkfifo(scratch + "/fifo", 0o600), 0)
                return input(scratch + "/fifo")
            case "device": return input("/dev/null")
            case "executable-as-core": return input(executable)
            case "elf-class-32": return input(try patched("elf32") { try patch($0, at: 4, with: [1]) })
            case "elf-big-endian": return input(try patched("msb") { try patch($0, at: 5, with: [2]) })
            case "elf-machine": return input(try patched("aarch64") { try patch($0, at: 18, value: UInt16(183)) })
            case "cut-in-elf-header": return input(try cut("elf-header", at: 40))
            case "cut-in-program-headers": return input(try cut("phdrs", at: layout.programHeaderOffset + 100))
            case "cut-in-notes":
                let note = try XCTUnwrap(layout.note)
                return input(try cut("notes", at: note.offset + note.fileSize / 2))
            case "cut-in-load":
                let last = try XCTUnwrap(layout.loads.filter { $0.fileSize > 0 }.max { $0.offset < $1.offset })
                return input(try cut("load", at: last.offset + 100))
            case "note-descsz-lies":
                let note = try XCTUnwrap(layout.note)
                return input(try patched("descsz") { try patch($0, at: note.offset + 4, value: UInt32(1) << 31) })
            case "note-namesz-lies":
                let note = try XCTUnwrap(layout.note)
                return input(try patched("namesz") { try patch($0, at: note.offset, value: UInt32(Int32.max)) })
            case "nt-file-count-lies":
                let descriptor = try XCTUnwrap(layout.descriptorOffset(ofNoteType: 0x4649_4c45))  // NT_FILE
                return input(try patched("nt-file") { try patch($0, at: descriptor, value: UInt64(1) << 60) })
            case "nt-file-offsets-absurd":
                let descriptor = try XCTUnwrap(layout.descriptorOffset(ofNoteType: 0x4649_4c45))
                let count = CoreLayout.load(layout.data, UInt64.self, at: descriptor)
                return input(try patched("nt-file-offsets") { path in
                    for entry in 0..<count { try patch(path, at: descriptor + 16 + entry * 24 + 16, value: UInt64(1) << 52 - 1) }
                })
            case "phnum-lies": return input(try patched("phnum") { try patch($0, at: 56, value: UInt16.max) })
            case "segment-past-eof":
                let segment = try XCTUnwrap(layout.loads.first { $0.fileSize > 0 })
                return input(try patched("offset") { try patch($0, at: segment.header + 8, value: UInt64(1) << 40) })
            case "segment-wraps":
                let segment = try XCTUnwrap(layout.loads.first { $0.fileSize > 0 })
                return input(try patched("wraps") { try patch($0, at: segment.header + 40, value: UInt64.max - 4095) })
            case "segments-overlap":
                let present = layout.loads.filter { $0.fileSize > 0 }
                return input(try patched("overlap") { try patch($0, at: present[2].header + 16, value: present[1].address) })
            case "absent-64-gib": return input(try SyntheticCore.largeAddressSpace(from: core, in: scratch, name: "absent.core"))
            default: return nil
            }
        }
    }

    func testExecutableRows() throws {
        try checkRows(in: Self.executableSection) { id in
            let goFixture = Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore")
            switch id {
            case "exe-missing": return MatrixInput(core: core, executable: scratch + "/no-such-exe")
            case "exe-wrong", "exe-wrong-forced":
                return MatrixInput(core: core, executable: Fixtures.testCores + "/cxx-threads/cxx-threads")
            case "exe-rebuilt-go":
                return MatrixInput(core: try goFixture.core(), executable: try goFixture.executable(named: "go-hello-stripped"))
            case "exe-not-found": return MatrixInput(core: core)
            case "exe-no-debug-info": return MatrixInput(core: core, executable: Fixtures.testCores + "/c-threads/c-threads.nodebug")
            default: return nil
            }
        }
    }

    /// A copy of the core with `edit` applied to the copy's path.
    private func patched(_ name: String, _ edit: (String) throws -> Void) throws -> String {
        let path = try copy(core, as: name)
        try edit(path)
        return path
    }

    /// A copy of the core cut to its first `size` bytes.
    private func cut(_ name: String, at size: UInt64) throws -> String {
        let path = try copy(core, as: name)
        XCTAssertEqual(truncate(path, off_t(size)), 0)
        return path
    }
}

/// Where the headers and notes of an ELF64 little-endian core lie, read here independently of
/// coreinspect's own parser.
struct CoreLayout {
    struct Segment {
        /// File offset of the program header itself.
        var header: UInt64
        var type: UInt32
        var offset: UInt64
        var address: UInt64
        var fileSize: UInt64
        var memorySize: UInt64
    }

    let data: Data
    let programHeaderOffset: UInt64
    let segments: [Segment]

    init(path: String) throws {
        // Only the headers and notes are needed: the first few MB hold them in a kernel core.
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        data = try handle.read(upToCount: 4 << 20) ?? Data()
        try handle.close()
        let data = self.data
        let tableOffset = CoreLayout.load(data, UInt64.self, at: 32)
        programHeaderOffset = tableOffset
        let count = Int(CoreLayout.load(data, UInt16.self, at: 56))
        let entrySize = UInt64(CoreLayout.load(data, UInt16.self, at: 54))
        segments = (0..<UInt64(count)).map { index in
            let base = tableOffset + index * entrySize
            return Segment(header: base, type: Self.load(data, UInt32.self, at: base),
                           offset: Self.load(data, UInt64.self, at: base + 8),
                           address: Self.load(data, UInt64.self, at: base + 16),
                           fileSize: Self.load(data, UInt64.self, at: base + 32),
                           memorySize: Self.load(data, UInt64.self, at: base + 40))
        }
    }

    var loads: [Segment] { segments.filter { $0.type == 1 } }
    var note: Segment? { segments.first { $0.type == 4 } }

    /// The file offset of the first descriptor of a note of `type` (the kernel aligns notes to 4).
    func descriptorOffset(ofNoteType type: UInt32) -> UInt64? {
        guard let note else { return nil }
        var offset = note.offset
        while offset + 12 <= note.offset + note.fileSize {
            let nameSize = UInt64(CoreLayout.load(data, UInt32.self, at: offset))
            let descriptorSize = UInt64(CoreLayout.load(data, UInt32.self, at: offset + 4))
            let descriptor = offset + 12 + (nameSize + 3) & ~3
            if CoreLayout.load(data, UInt32.self, at: offset + 8) == type { return descriptor }
            offset = descriptor + (descriptorSize + 3) & ~3
        }
        return nil
    }

    static func load<Value: FixedWidthInteger>(_ data: Data, _ type: Value.Type, at offset: UInt64) -> Value {
        var value = Value.zero
        _ = withUnsafeMutableBytes(of: &value) { data.copyBytes(to: $0, from: Int(offset)..<Int(offset) + MemoryLayout<Value>.size) }
        return Value(littleEndian: value)
    }
}

/// Cores made on the fly from a fixture, never committed.
enum SyntheticCore {
    static let addedSegments = 16_384
    static let segmentBytes: UInt64 = 4 << 20
    /// Where the added segments start: above every real mapping of the fixture.
    static let base: UInt64 = 0x2000_0000_0000

    /// The core with 16,384 more PT_LOADs of 4 MiB above every real mapping, a 64 GiB address
    /// space. Every `presentEvery`-th added segment is in the core (a sparse stretch of zeros
    /// appended to the file: no disk used); the others are absent (`p_filesz` 0). The new
    /// program header table goes at the end, so every original offset stays valid.
    static func largeAddressSpace(from core: String, in directory: String, name: String, presentEvery: Int? = nil) throws -> String {
        let layout = try CoreLayout(path: core)
        let path = directory + "/" + name
        XCTAssertEqual(try Shell.run("/bin/cp", ["--sparse=always", core, path]).status, 0)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        let dataStart = (try handle.seekToEnd() + 4095) & ~4095
        var table = Data()
        for segment in layout.segments {
            table.append(layout.data[Int(segment.header)..<Int(segment.header) + 56])
        }
        var dataEnd = dataStart
        for index in 0..<addedSegments {
            let present = presentEvery.map { index % $0 == 0 } ?? false
            let offset = present ? dataEnd : 0
            if present { dataEnd += segmentBytes }
            // p_type PT_LOAD with p_flags rw-, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align.
            for word in [UInt64(1 | 6 << 32), offset, base + UInt64(index) * segmentBytes, 0,
                         present ? segmentBytes : 0, segmentBytes, 4096] {
                withUnsafeBytes(of: word.littleEndian) { table.append(contentsOf: $0) }
            }
        }
        try handle.truncate(atOffset: dataEnd)
        try handle.seek(toOffset: dataEnd)
        try handle.write(contentsOf: table)
        try handle.seek(toOffset: 32)
        try handle.write(contentsOf: withUnsafeBytes(of: dataEnd.littleEndian) { Data($0) })
        try handle.seek(toOffset: 56)
        try handle.write(contentsOf: withUnsafeBytes(of: UInt16(layout.segments.count + addedSegments).littleEndian) { Data($0) })
        try handle.close()
        return path
    }
}
