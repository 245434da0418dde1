import Foundation
import GlibcMalloc
import ProcessImage
import Symbols
import XCTest

/// truth.json of the c-heap fixture: what the program itself recorded at dump time.
struct CHeapTruth: Decodable {
    struct Allocation: Decodable {
        var address: String
        var size: UInt64
        var usable: UInt64
        /// reachable, direct, indirect, possible or freed.
        var `class`: String
        /// For freed allocations: tcache, fastbin, unsorted, smallbin, largebin or top.
        var free: String?
        var arena: String?
        /// The demangled C++ class, for objects with a vtable.
        var type: String?

        var addressValue: UInt64 { UInt64(address.dropFirst(2), radix: 16) ?? 0 }
    }

    struct Files: Decodable {
        var debugdir: String
    }

    struct LibcBlock: Decodable {
        var address: String
        var what: String
    }

    struct Thread: Decodable {
        var name: String
        /// Where the thread's dynamic TLS variable lives: inside a block libc allocated.
        var dtls_root: String?
    }

    var glibc: String
    var glibc_files: Files
    var threads: [Thread]
    var libc_blocks: [LibcBlock]
    var mallinfo2: [String: UInt64]
    var allocations: [Allocation]
}

func hexValue(_ text: String) -> UInt64 { UInt64(text.dropFirst(2), radix: 16) ?? 0 }

/// One c-heap dump (per glibc release), opened with or without libc's debug info.
struct CHeapFixture {
    static let releases = ["2.36", "2.41", "2.43"]

    let release: String
    let directory: String
    let truth: CHeapTruth

    init(release: String) throws {
        self.release = release
        directory = Fixtures.testCores + "/c-heap/glibc-\(release)"
        guard FileManager.default.fileExists(atPath: directory + "/core.xz") else {
            throw XCTSkip("c-heap glibc \(release) fixture is not committed")
        }
        truth = try JSONDecoder().decode(CHeapTruth.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/truth.json")))
    }

    /// Opens the core with the -g or stripped executable; libc's debug directory is searched too.
    func open(stripped: Bool = false) throws -> (ProcessImage, NativeSymbols) {
        let core = try Fixtures.decompressed(directory + "/core.xz")
        let search = FileSearch(executable: directory + (stripped ? "/c-heap.stripped" : "/c-heap"),
                                debugDirectories: [truth.glibc_files.debugdir])
        let process = try ProcessImage(corePath: core, search: search)
        return (process, try NativeSymbols(process: process, search: search))
    }

    /// The heap read through libc's debug info (which must be found) and by structure alone.
    func readBothWays(stripped: Bool = false) throws -> (symbols: GlibcHeap, structure: GlibcHeap) {
        let (process, symbols) = try open(stripped: stripped)
        let withSymbols = try GlibcHeap.read(process: process, symbols: symbols)
        let byStructure = try GlibcHeap.read(process: process, symbols: symbols, method: .structureOnly)
        return (withSymbols, byStructure)
    }
}
