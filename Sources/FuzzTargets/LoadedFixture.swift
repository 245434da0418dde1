import CoreFile
import ProcessImage
import Symbols

/// A fixture core loaded once, with the executable that made it, for the
/// targets that patch its memory instead of parsing a whole input.
final class LoadedFixture {
    let process: ProcessImage
    let native: NativeSymbols
    let executable: Module

    init(_ fixture: FuzzFixture) throws {
        let search = FileSearch(executable: fixture.executable)
        process = try ProcessImage(corePath: fixture.core, search: search)
        native = try NativeSymbols(process: process, search: search)
        guard let executable = process.mainExecutable, executable.located != nil else {
            throw CoreInspectError.missingFile(path: fixture.executable, purpose: "the fuzz fixture's executable")
        }
        self.executable = executable
    }

    /// Where the executable's section `name` is in the process, clipped to `limit` bytes.
    func sectionRange(_ name: String, limit: UInt64 = .max) -> AddressRange? {
        guard let section = executable.located?.elf?.section(named: name),
              let bias = process.loadedProgramHeaders(of: executable)?.bias
        else { return nil }
        return AddressRange(start: Address(section.address &+ bias), size: min(section.size, limit))
    }
}
