import ArgumentParser
import CoreFile
import Foundation
import ProcessImage

/// `Tools/bench scan`'s Swift side: the word scan every heap walker stands
/// on, timed over a whole core. Hidden: a measuring tool, not a feature.
struct ScanBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-bench",
        abstract: "Time a word scan of every PT_LOAD of a core for pointers into address ranges.",
        shouldDisplay: false)

    @Argument(help: "The core file.")
    var core: String

    @Option(help: "A file of \"START END\" hex address pairs, one range per line.")
    var ranges: String

    @Flag(help: "Drop each segment's pages once scanned (madvise MADV_DONTNEED).")
    var releasePages = false

    func run() throws {
        let targets = AddressRangeSet(try Self.readRanges(path: ranges))
        let coreFile = try CoreFile(path: core)
        let memory = AddressSpace(core: coreFile, files: [:])
        // The same bytes as the C loop: what each PT_LOAD holds in the file.
        let segments = coreFile.segments.map(\.presentRange).filter { !$0.isEmpty }
        var matches = 0
        var bytes: UInt64 = 0
        let started = DispatchTime.now().uptimeNanoseconds
        for segment in segments {
            memory.scanWords(in: segment, matching: targets, releasingPages: releasePages) { _, _ in matches += 1 }
            bytes += segment.size
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print("matches \(matches) bytes \(bytes) seconds \(String(format: "%.4f", seconds)) GB/s \(String(format: "%.3f", Double(bytes) / seconds / 1e9))")
    }

    static func readRanges(path: String) throws -> [AddressRange] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2, let start = UInt64(fields[0], radix: 16), let end = UInt64(fields[1], radix: 16) else {
                throw ValidationError("\(path): expected \"START END\" in hex, got \"\(line)\"")
            }
            return AddressRange(start: Address(start), end: Address(end))
        }
    }
}
