import ArgumentParser
import CoreFile
import Foundation
import GoRuntime
import ProcessImage
import Reports
import Symbols

/// `heap --profile FILE` and `heap --sites`: the runtime's sampled memory
/// profile. It needs no heap walk: the buckets live outside the heap, so this
/// path opens the process and the Go runtime, and reads only the profile.
extension Heap {
    func runProfile(process opened: ProcessImage?) throws {
        if let profilePath { try Self.checkWritable(profilePath, option: "--profile") }
        try CommandRunner.run(command: "heap", options: options) {
            let (process, go) = try Self.openGoProcess(options: options, process: opened)
            let profile = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                try go.readMemoryProfile(process: process)
            }
            let byObjectSize = GoMemoryProfileRecord.pprofScalesByObjectSize(go.buildInfo.release)
            var notes: [Note] = []
            var written: HeapProfileReport.Written?
            if let profilePath {
                if let reason = profile.emptinessReason {
                    notes.append(Note("no profile written to \(profilePath): \(reason)"))
                } else {
                    written = try Self.write(profile, to: profilePath, go: go, process: process, byObjectSize: byObjectSize)
                }
            }
            let sites = sites ? GoAllocationSites(profile: profile, symbols: go.symbols, byObjectSize: byObjectSize, top: top) : nil
            let report = HeapProfileReport(goVersion: go.buildInfo.goVersion, profile: profile, written: written, sites: sites)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: process.warnings + go.allWarnings + profile.warnings, notes: notes)
        }
    }

    /// The process and its Go runtime, failing as every `heap` mode fails:
    /// 5 for a program that is not Go, 4 for an unreadable runtime.
    static func openGoProcess(options: CoreOptions, notGo: any Error = NotAGoHeap(),
                              process opened: ProcessImage? = nil) throws -> (ProcessImage, GoProcess) {
        let process = try opened ?? ProcessImage(corePath: options.core, search: options.search)
        let native = try NativeSymbols(process: process, search: options.search)
        do {
            return (process, try GoProcess(process: process, native: native))
        } catch GoRuntimeError.notGo {
            throw CategorizedFailure(.unsupportedHeap, subject: options.core, underlying: notGo)
        } catch {
            throw CategorizedFailure(.goRuntimeUnreadable, subject: options.core, underlying: error)
        }
    }

    static func write(_ profile: GoMemoryProfile, to path: String, go: GoProcess, process: ProcessImage,
                              byObjectSize: Bool) throws -> HeapProfileReport.Written {
        let executable = process.mainExecutable.map { module in
            // As runtime/pprof maps it: the executable's text segment, with the GNU build-id when there is one.
            let text = process.loadedProgramHeaders(of: module).flatMap { headers, bias in
                headers.first { $0.type == ProgramHeader.load && $0.flags & ProgramHeader.executable != 0 }
                    .map { (start: $0.virtualAddress &+ bias, limit: $0.virtualAddress &+ bias &+ $0.memorySize) }
            } ?? (start: module.range.start.rawValue, limit: module.range.end.rawValue)
            let buildID = Self.gnuBuildIDSection(of: module) ?? module.buildID
            let page: UInt64 = 4096
            return PprofHeapProfile.Executable(path: module.name, start: text.start, limit: (text.limit + page - 1) & ~(page - 1),
                                               buildID: buildID?.text ?? "")
        }
        let pprof = PprofHeapProfile.build(profile, symbols: go.symbols, executable: executable, scalesByObjectSize: byObjectSize)
        let bytes = try PprofHeapProfile.gzipped(pprof)
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        return HeapProfileReport.Written(path: path, samples: pprof.sample.count, locations: pprof.location.count, bytes: bytes.count)
    }

    /// runtime/pprof reads the `.note.gnu.build-id` section, which Go's linker
    /// leaves outside the PT_NOTE segment, where only its own build ID is.
    private static func gnuBuildIDSection(of module: Module) -> BuildID? {
        guard let elf = module.located?.elf,
              let section = elf.sections.first(where: { $0.name == ".note.gnu.build-id" }),
              let bytes = elf.view.slice(at: section.fileOffset, count: section.size)
        else { return nil }
        return ELFNote.parseAll(bytes).notes.lazy.compactMap(\.gnuBuildID).first
    }

    /// Refuses an unwritable destination before the core is read: a usage error (64).
    static func checkWritable(_ path: String, option: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard FileManager.default.isWritableFile(atPath: directory.isEmpty ? "." : directory) else {
            throw ValidationError("\(option): cannot write into the directory of \(path)")
        }
    }
}
