import ArgumentParser
import ProcessImage

/// The options every command shares.
struct CoreOptions: ParsableArguments {
    @Argument(help: "The core dump (from gcore or the kernel).")
    var core: String

    @Option(name: .customLong("exe"), help: "The executable that produced the core.")
    var executable: String?

    @Option(help: "Prefix for the file paths recorded in the core, for cores from another machine.")
    var sysroot: String?

    @Option(name: .customLong("debug-dir"), help: "Also search this directory (and its .build-id index) for files and debug info. Repeatable.")
    var debugDirectories: [String] = []

    @Flag(help: "Use files whose build-id does not match the core, with a warning.")
    var force = false

    @Flag(help: "Print JSON (schema coreinspect/2, see the README) instead of text.")
    var json = false

    @Flag(help: "No progress lines on standard error (shown only on a terminal, for steps over a second).")
    var quiet = false
    @Option(help: ArgumentHelp("Stop heap, leaks and why after this many seconds: print what they have, marked incomplete, and exit 11.",
                               valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        if let timeout, !(timeout >= 0 && timeout.isFinite) { throw ValidationError("--timeout must be a number of seconds, 0 or more") }
    }

    var search: FileSearch {
        FileSearch(executable: executable, sysroot: sysroot, debugDirectories: debugDirectories, force: force)
    }
}
