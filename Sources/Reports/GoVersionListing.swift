import GoRuntime

/// A Go binary's build info exactly as `go version -m FILE` prints it: the
/// version line, then the module and build lines, each after a tab.
public enum GoVersionListing {
    public static func text(path: String, buildInfo: GoBuildInfo) -> String {
        var lines = ["\(path): \(buildInfo.goVersion)"]
        if let modulePath = buildInfo.path { lines.append("\tpath\t\(modulePath)") }
        if let main = buildInfo.mainModule { lines += moduleLines("mod", main) }
        for dependency in buildInfo.dependencies { lines += moduleLines("dep", dependency) }
        // Keys and values are stored as the binary has them, quoted where Go quoted them.
        for setting in buildInfo.settings { lines.append("\tbuild\t\(setting.key)=\(setting.value)") }
        return lines.joined(separator: "\n")
    }

    /// A replaced module's line ends at its version; the `=>` line carries the replacement's sum.
    private static func moduleLines(_ word: String, _ module: GoBuildInfo.ModuleVersion) -> [String] {
        let head = "\t\(word)\t\(module.path)\t\(module.version)"
        guard let replacement = module.replacement else { return [head + (module.sum.map { "\t\($0)" } ?? "")] }
        // The build info parser joined the replacement's fields with spaces; module paths and versions have none.
        return [head, "\t=>\t" + replacement.split(separator: " ", omittingEmptySubsequences: false).joined(separator: "\t")]
    }
}
