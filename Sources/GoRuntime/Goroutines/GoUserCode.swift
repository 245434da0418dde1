import CoreFile
import Symbols

/// Tells the program's own code from the standard library and the runtime:
/// a function is the program's when its package belongs to the main module
/// or to one of the dependencies the build info lists, as delve's
/// `goroutines -group userloc` picks a goroutine's user location.
public struct GoUserCode: Sendable {
    /// Module paths (main module first, then dependencies).
    public let modules: [String]

    public init(buildInfo: GoBuildInfo) {
        modules = ([buildInfo.mainModule?.path, buildInfo.path].compactMap { $0 } + buildInfo.dependencies.map(\.path))
            .filter { !$0.isEmpty && $0 != "command-line-arguments" }
    }

    /// The innermost frame in the program's own code.
    public func firstUserFrame(in frames: [Frame]) -> Frame? {
        frames.first { $0.function.map(isUserFunction) ?? false }
    }

    public func isUserFunction(_ name: String) -> Bool {
        let package = GoUserCode.packagePath(of: name)
        if package == "main" { return true }
        if modules.isEmpty {
            // No module information (a GOPATH build): the standard library's
            // import paths are the ones whose first element has no dot.
            return package.split(separator: "/").first?.contains(".") == true
        }
        return modules.contains { package == $0 || package.hasPrefix($0 + "/") }
    }

    /// "github.com/a/b.(*T).M" → "github.com/a/b". The symbol ends the package
    /// path at the first dot after its last slash (the linker writes dots of
    /// the last element as %2e), and type arguments in brackets may hold
    /// slashes and dots of their own, so they are cut off first.
    static func packagePath(of function: String) -> String {
        let name = function.prefix { $0 != "[" }
        let lastElement = name.lastIndex(of: "/").map { name.index(after: $0) } ?? name.startIndex
        let end = name[lastElement...].firstIndex(of: ".") ?? name.endIndex
        return name[..<end].split(separator: "%2e", omittingEmptySubsequences: false).joined(separator: ".")
    }
}
