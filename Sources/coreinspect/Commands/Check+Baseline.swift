import ArgumentParser
import CoreFile
import ProcessImage

extension Check {
    /// Refuses a --baseline core of another executable: one line naming both, exit status 10.
    /// Growth between two programs means nothing, and their metrics would still compare.
    func refuseDifferentExecutables(baseline: String) throws {
        // Without --exe: an executable given for CORE would refuse the other core before the comparison.
        var search = options.search
        search.executable = nil
        guard let now = try? ExecutableIdentity(corePath: options.core, search: search),
              let before = try? ExecutableIdentity(corePath: baseline, search: search),
              let difference = now.difference(from: before)
        else { return }
        CommandRunner.printError("coreinspect: check: \(options.core) and the baseline \(baseline) are cores of different executables: \(difference)")
        throw ExitCode(ExitStatus.coresDiffer.rawValue)
    }
}

/// Which executable a core is of: its build-id (GNU, or Go's), read from the core's own copy of the
/// ELF headers or else from the file found; the path the core recorded when neither has one.
struct ExecutableIdentity {
    var buildID: BuildID?
    var path: String?

    init(corePath: String, search: FileSearch) throws {
        let executable = try ProcessImage(corePath: corePath, search: search).mainExecutable
        buildID = executable?.buildID
        path = executable?.name
    }

    /// What tells the two apart, or nil when nothing does.
    func difference(from other: ExecutableIdentity) -> String? {
        if let mine = buildID, let theirs = other.buildID {
            return mine == theirs ? nil : "build-id \(mine) ≠ \(theirs)"
        }
        guard let mine = path, let theirs = other.path else { return nil }
        let name = { (path: String) in path.split(separator: "/").last.map(String.init) ?? path }
        return name(mine) == name(theirs) ? nil : "\(mine) ≠ \(theirs) (no build-ids to compare)"
    }
}
