import Foundation
import XCTest

/// The shell completions swift-argument-parser generates, as Tools/install-completions installs
/// them: bash, run for real, completes every visible subcommand and a subcommand's options; zsh
/// and fish name every subcommand. The subcommands come from the tool's own help dump (what the
/// generate-manual plugin reads to write the man page).
final class CompletionTests: XCTestCase {
    private struct ToolInfo: Decodable {
        struct Command: Decodable {
            struct Argument: Decodable {
                struct Names: Decodable { var kind: String; var name: String }
                var names: [Names]?
            }
            var commandName: String
            var shouldDisplay: Bool
            var abstract: String?
            var subcommands: [Command]?
            var arguments: [Argument]?
        }
        var command: Command
    }

    private func visibleSubcommands() throws -> [ToolInfo.Command] {
        let dump = try Shell.coreinspect(["--experimental-dump-help"])
        XCTAssertEqual(dump.status, 0, dump.stderr)
        let info = try JSONDecoder().decode(ToolInfo.self, from: Data(dump.stdout.utf8))
        let visible = (info.command.subcommands ?? []).filter { $0.shouldDisplay && $0.commandName != "help" }
        XCTAssertGreaterThanOrEqual(visible.count, 9, "subcommands in --experimental-dump-help")
        return visible
    }

    private func installed(_ shell: String, in prefix: String) -> String {
        let paths = ["bash": "/share/bash-completion/completions/coreinspect", "zsh": "/share/zsh/site-functions/_coreinspect",
                     "fish": "/share/fish/vendor_completions.d/coreinspect.fish"]
        return prefix + paths[shell]!
    }

    /// Installs the completions into a scratch prefix with the built binary.
    private func install() throws -> String {
        let prefix = try Fixtures.scratchDirectory(for: self)
        let binary = try Shell.coreinspectPath()
        let run = try Shell.run("/usr/bin/env", ["COREINSPECT=" + binary, Fixtures.packageRoot + "/Tools/install-completions",
                                                 "--completions-only", prefix])
        XCTAssertEqual(run.status, 0, run.stderr)
        return prefix
    }

    /// Sources the installed bash script and asks it to complete `coreinspect WORDS…`, as bash
    /// would on a Tab after the last word.
    private func bashCompletions(script: String, words: [String]) throws -> Set<String> {
        let program = """
        source "$1"; shift
        function=$(complete -p coreinspect | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')
        COMP_WORDS=(coreinspect "$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        "$function" coreinspect "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\\n' "${COMPREPLY[@]}"
        """
        let run = try Shell.run("/bin/bash", ["-c", program, "bash", script] + words)
        XCTAssertEqual(run.status, 0, run.stderr)
        return Set(run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    func testBashCompletesEverySubcommandAndTheirOptions() throws {
        let prefix = try install()
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let script = installed("bash", in: prefix)
        let subcommands = try visibleSubcommands()
        let text = try String(contentsOfFile: script, encoding: .utf8)
        for subcommand in subcommands { XCTAssertTrue(text.contains(subcommand.commandName), subcommand.commandName) }

        let offered = try bashCompletions(script: script, words: [""])
        XCTAssertEqual(Set(subcommands.map(\.commandName)).subtracting(offered), [], "bash offers \(offered.sorted())")
        XCTAssertFalse(offered.contains("scan-bench"), "a hidden command is not offered")

        // A subcommand's own options, from the same dump: goroutines --group, leaks --max-leaked-bytes.
        for subcommand in subcommands where ["goroutines", "leaks", "heap"].contains(subcommand.commandName) {
            let options = Set((subcommand.arguments ?? []).flatMap { $0.names ?? [] }.filter { $0.kind == "long" }.map { "--" + $0.name })
            XCTAssertTrue(options.contains("--json"), subcommand.commandName)
            let completed = try bashCompletions(script: script, words: [subcommand.commandName, "--"])
            XCTAssertEqual(options.subtracting(completed).subtracting(["--help", "--version"]), [],
                           "bash completes `\(subcommand.commandName) --` with \(completed.sorted())")
        }
    }

    func testZshAndFishNameEverySubcommand() throws {
        let prefix = try install()
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        for shell in ["zsh", "fish"] {
            let text = try String(contentsOfFile: installed(shell, in: prefix), encoding: .utf8)
            for subcommand in try visibleSubcommands() {
                XCTAssertTrue(text.contains(subcommand.commandName), "\(shell): \(subcommand.commandName)")
                // The abstract's start, up to a character each shell quotes its own way.
                let quoted = Set("'\"[]:$`\\")
                if let abstract = subcommand.abstract?.prefix(30).prefix(while: { !quoted.contains($0) }) {
                    XCTAssertTrue(text.contains(abstract), "\(shell) describes \(subcommand.commandName)")
                }
            }
        }
    }
}
