import CoreFile

/// Finds, opens and checks the files a core names.
struct FileLocator {
    let search: FileSearch
    private(set) var warnings: [Warning] = []

    init(search: FileSearch) { self.search = search }

    /// The explicit `--exe`: the user asked for it, so problems are fatal
    /// unless `--force`.
    mutating func locateExplicit(_ path: String, expected: BuildID?) throws -> Module.FileStatus {
        guard let located = open(path) else {
            throw CoreInspectError.missingFile(path: path, purpose: "the executable given with --exe")
        }
        guard let expected, let found = located.buildID, found != expected else { return .found(located) }
        guard search.force else {
            throw CoreInspectError.buildIDMismatch(path: path, expected: expected.text, found: found.text)
        }
        warnings.append(Warning("\(path): build-id \(found.text) does not match the core's \(expected.text); used anyway (--force)", kind: .buildIDMismatch))
        return .forced(located)
    }

    /// A module's file: the first candidate whose build-id matches. A file
    /// with another build-id is refused (or used with `--force`) and named.
    mutating func locateModule(recordedPath: String, expected: BuildID?) -> Module.FileStatus {
        var firstMismatch: LocatedFile?
        for candidate in search.candidates(recordedPath: recordedPath, buildID: expected) {
            guard let located = open(candidate) else { continue }
            guard located.elf != nil else { continue }
            guard let expected, let found = located.buildID, found != expected else { return .found(located) }
            if firstMismatch == nil { firstMismatch = located }
        }
        guard let mismatch = firstMismatch else {
            warnings.append(Warning("\(recordedPath): not found; its frames cannot be unwound or named (try --sysroot or --debug-dir)", kind: .missingFile))
            return .missing
        }
        let found = mismatch.buildID?.text ?? "none"
        let expectedHex = expected?.text ?? "none"
        if search.force {
            warnings.append(Warning("\(mismatch.path): build-id \(found) does not match the core's \(expectedHex); used anyway (--force)", kind: .buildIDMismatch))
            return .forced(mismatch)
        }
        warnings.append(Warning("\(mismatch.path): build-id \(found) does not match the core's \(expectedHex); not used (--force uses it)", kind: .buildIDMismatch))
        return .mismatched(path: mismatch.path, found: mismatch.buildID)
    }

    /// A mapped data file, for memory fill-in only; nothing to verify it against.
    func locateData(recordedPath: String) -> LocatedFile? {
        search.recordedLocation(recordedPath).flatMap(open)
    }

    private func open(_ path: String) -> LocatedFile? {
        guard let file = try? MappedFile(path: path) else { return nil }
        return LocatedFile(path: path, file: file, elf: try? ELFImage(view: file.bytes, path: path))
    }
}
