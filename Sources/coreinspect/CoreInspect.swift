import ArgumentParser

@main
struct CoreInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coreinspect",
        abstract: "Inspect a Linux process core dump: threads, goroutines, mappings, notes.",
        discussion: """
        Exit status: 0 when everything was shown; 1 when the answer is partial \
        (warnings were printed); 2 when the core cannot be used (not a core, \
        truncated headers, unsupported format); 3 when the executable given \
        with --exe is missing or its build-id does not match the core; 4 when \
        `goroutines` finds no Go runtime it can read; 64 for usage errors.
        """,
        subcommands: [Info.self, Threads.self, Goroutines.self, Mappings.self, Notes.self, ScanBench.self]
    )
}
