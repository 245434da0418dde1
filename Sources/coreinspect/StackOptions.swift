import ArgumentParser

/// Options of the commands that print stacks.
struct StackOptions: ParsableArguments {
    @Option(help: "Show at most this many frames per stack.")
    var maxFrames = 256

    func validate() throws {
        guard maxFrames > 0 else { throw ValidationError("--max-frames must be positive") }
    }
}
