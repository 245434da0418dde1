import ArgumentParser

@main
struct CoreInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coreinspect",
        abstract: "Inspect a Linux process core dump: threads, goroutines, mappings, notes.",
        discussion: """
        Notes ("note: …" on standard error) say what the files allow, such as a \
        library without debug info; they leave the status at 0. Warnings \
        ("warning: …") say that part of the answer is missing or may be wrong.

        \(ExitStatus.helpText)
        """,
        subcommands: [Info.self, Threads.self, Goroutines.self, MemStats.self, Heap.self, Why.self, Leaks.self, Diff.self, Check.self, Report.self, Symbolize.self, Mappings.self, Notes.self, ScanBench.self]
    )
}
