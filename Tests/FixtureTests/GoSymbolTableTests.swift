import CoreFile
import Foundation
@testable import GoRuntime
import ProcessImage
import XCTest

/// The pclntab reader against the Go fixtures: what the program recorded
/// about its own goroutines, its source file, the unstripped binary's ELF
/// symbols and DWARF line table, and the stripped twin of the same program.
final class GoSymbolTableTests: XCTestCase {
    func testFindsTheTableInEveryGoFixture() throws {
        let fixtures = try GoFixture.all()
        XCTAssertGreaterThanOrEqual(fixtures.count, 2)
        for fixture in fixtures {
            let table = fixture.table
            XCTAssertEqual(table.goVersion, fixture.truth.go_version, "\(fixture)")
            XCTAssertEqual(table.warnings, [], "\(fixture)")
            XCTAssertTrue(table.hasInlineTrees, "\(fixture)")
            XCTAssertGreaterThan(table.functionCount, 1000, "\(fixture)")
            let moduleData = try XCTUnwrap(table.moduleData, "\(fixture)")
            XCTAssertEqual(table.function(atIndex: 0)?.entry, moduleData.pcRange.start, "\(fixture)")
            XCTAssertEqual(table.function(atIndex: table.functionCount - 1)?.end, moduleData.pcRange.end, "\(fixture)")
            XCTAssertTrue(moduleData.noptrdata.contains(moduleData.address), "\(fixture): firstmoduledata lives in noptrdata")
        }
    }

    /// Where the ELF symbol table survives, it names what the scan found.
    func testModuleDataMatchesTheSymbolTable() throws {
        var checked = 0
        for fixture in try GoFixture.all() where !fixture.truth.stripped {
            let symbols = try ELFSymbols(path: fixture.executablePath)
            guard !symbols.isEmpty else { continue }
            let moduleData = try XCTUnwrap(fixture.table.moduleData)
            XCTAssertEqual(symbols["runtime.firstmoduledata"].map { Address($0) }, moduleData.address, "\(fixture)")
            XCTAssertEqual(symbols["go:func.*"].map { Address($0) }, moduleData.gofunc, "\(fixture)")
            XCTAssertEqual(symbols["runtime.text"].map { Address($0) }, moduleData.text.start, "\(fixture)")
            XCTAssertEqual(symbols["runtime.types"].map { Address($0) }, moduleData.types.start, "\(fixture)")
            // Every function symbol of the text is the entry of a pclntab function of that name.
            var functions = 0
            for (name, address) in symbols.functions where moduleData.pcRange.contains(Address(address)) {
                guard let function = fixture.table.function(containing: Address(address)), function.entry.rawValue == address else { continue }
                // The ELF names write the middle dot of generated names as a plain dot.
                XCTAssertEqual(function.name.replacingOccurrences(of: "·", with: "."), name, "\(fixture) at \(Address(address))")
                functions += 1
            }
            XCTAssertGreaterThan(functions, 1000, "\(fixture)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0)
    }

    func testEveryFunctionRoundTrips() throws {
        for fixture in try GoFixture.all() {
            let table = fixture.table
            var previousEnd = Address.zero
            for index in 0..<table.functionCount {
                let function = try XCTUnwrap(table.function(atIndex: index), "\(fixture) #\(index)")
                XCTAssertFalse(function.name.isEmpty, "\(fixture) #\(index)")
                XCTAssertLessThan(function.entry, function.end, "\(fixture) \(function.name)")
                XCTAssertGreaterThanOrEqual(function.entry, previousEnd, "\(fixture) \(function.name)")
                previousEnd = function.end
                XCTAssertEqual(table.function(containing: function.entry), function, "\(fixture) \(function.name)")
                XCTAssertEqual(table.function(containing: function.end.retreated(by: 1)), function, "\(fixture) \(function.name)")
                if index % 97 == 0 {
                    XCTAssertTrue(table.functions(named: function.name).contains(function), "\(fixture) \(function.name)")
                }
                // The frame is empty at entry: the return address is at SP.
                XCTAssertEqual(table.stackPointerDelta(at: function.entry) ?? 0, 0, "\(fixture) \(function.name)")
                let frames = table.frames(at: function.entry, isReturnAddress: false)
                XCTAssertEqual(frames.last?.function, function.name, "\(fixture) \(function.name)")
                XCTAssertEqual(frames.last?.isInlined, false, "\(fixture) \(function.name)")
            }
            XCTAssertNil(table.function(containing: previousEnd), "\(fixture): past the last function")
            XCTAssertNil(table.function(containing: .zero), "\(fixture)")
            XCTAssertEqual(table.frames(at: .zero, isReturnAddress: true), [], "\(fixture)")
        }
    }

    /// Every function the program saw on its goroutines' stacks is in the
    /// table: as a physical function, or as a call inlined somewhere.
    func testEveryTruthFrameIsNamedInTheTable() throws {
        for fixture in try GoFixture.all() {
            let inlinedNames = fixture.inlinedFunctionNames()
            XCTAssertFalse(inlinedNames.isEmpty, "\(fixture)")
            let names = Set(fixture.truth.goroutines.flatMap { $0.frames ?? [] })
            XCTAssertGreaterThan(names.count, 5, "\(fixture)")
            for name in names {
                XCTAssertTrue(!fixture.table.functions(named: name).isEmpty || inlinedNames.contains(name),
                              "\(fixture): \(name) is neither a function nor an inlined call")
            }
        }
    }

    /// For each caller/callee pair on the truth stacks, some call instruction
    /// in the caller's code targets the callee, and the frames at its return
    /// address are exactly the truth's frames between them (the calls inlined
    /// at that site, then the caller). Where the caller is in main.go, the
    /// line reported is the source line that makes that call.
    func testCallSitesReproduceTheTruthStacks() throws {
        for fixture in try GoFixture.all() {
            let source = fixture.sourceLines
            var chains = 0, linesChecked = 0, inlinedFrames = 0
            for goroutine in fixture.truth.goroutines {
                let names = goroutine.frames ?? []
                // Frames an earlier call site showed inlined: nothing calls them on this stack.
                var inlinedHere = Set<Int>()
                for calleeIndex in names.indices.dropLast() where !inlinedHere.contains(calleeIndex) {
                    let callees = fixture.table.functions(named: names[calleeIndex])
                    guard !callees.isEmpty else { continue } // inlined everywhere: not a call target
                    let match = try fixture.callSite(reaching: callees, expecting: Array(names[(calleeIndex + 1)...]))
                    let site = try XCTUnwrap(match, "\(fixture) goroutine \(goroutine.id): no call to \(names[calleeIndex]) whose frames are a prefix of \(names[(calleeIndex + 1)...])")
                    chains += 1
                    inlinedFrames += site.frames.filter(\.isInlined).count
                    for (offset, frame) in site.frames.enumerated() where frame.isInlined { inlinedHere.insert(calleeIndex + 1 + offset) }
                    XCTAssertEqual(site.frames.map(\.isInlined), site.frames.indices.map { $0 < site.frames.count - 1 }, "\(fixture)")
                    let delta = try XCTUnwrap(fixture.table.stackPointerDelta(at: site.returnAddress.retreated(by: 1)))
                    XCTAssertGreaterThan(delta, 0, "\(fixture) \(site.frames.last?.function ?? "")")
                    XCTAssertEqual(delta % 8, 0, "\(fixture)")
                    // main.go's line at the call names the callee (or the function inlined there).
                    if let outer = site.frames.last, outer.file?.hasSuffix("/main.go") == true, let line = outer.line, let source {
                        let callee = site.frames.count > 1 ? site.frames[site.frames.count - 2].function : names[calleeIndex]
                        XCTAssertTrue(line >= 1 && line <= source.count && source[line - 1].contains(shortName(callee)),
                                      "\(fixture): main.go:\(line) should call \(callee)")
                        linesChecked += 1
                    }
                }
            }
            XCTAssertGreaterThan(chains, 5, "\(fixture)")
            XCTAssertGreaterThanOrEqual(linesChecked, 4, "\(fixture)")
            XCTAssertGreaterThan(inlinedFrames, 0, "\(fixture): the truth stacks include inlined calls")
        }
    }

    func testInlinedFramesExist() throws {
        for fixture in try GoFixture.all() {
            let table = fixture.table
            let withTrees = (0..<table.functionCount).filter { table.function(atIndex: $0)?.hasInlineTree == true }
            XCTAssertGreaterThan(withTrees.count, 100, "\(fixture)")
            // At each PC inside inlined code, the innermost frames are inlined and the last is the physical function.
            var deepest = 0
            for pc in fixture.inlinedPCs(limit: 2000) {
                let frames = table.frames(at: pc, isReturnAddress: false)
                let function = try XCTUnwrap(table.function(containing: pc))
                XCTAssertGreaterThanOrEqual(frames.count, 2, "\(fixture) at \(pc)")
                XCTAssertEqual(frames.last?.function, function.name)
                XCTAssertEqual(frames.map(\.isInlined), frames.indices.map { $0 < frames.count - 1 }, "\(fixture) at \(pc)")
                XCTAssertTrue(frames.allSatisfy { $0.pc == pc && $0.file != nil && ($0.line ?? 0) > 0 }, "\(fixture) at \(pc): \(frames)")
                deepest = max(deepest, frames.count)
            }
            XCTAssertGreaterThanOrEqual(deepest, 3, "\(fixture): some inlining is nested")
        }
    }

    /// `-s -w` drops symbols and DWARF, not the pclntab: the stripped twin
    /// answers exactly as the unstripped binary does.
    func testStrippedAndUnstrippedAgree() throws {
        let fixtures = try GoFixture.all()
        for stripped in fixtures where stripped.truth.stripped {
            guard let full = fixtures.first(where: { !$0.truth.stripped && $0.fixture.directory == stripped.fixture.directory }) else { continue }
            XCTAssertEqual(stripped.table.functionCount, full.table.functionCount)
            XCTAssertEqual(stripped.table.moduleData?.text, full.table.moduleData?.text)
            for index in 0..<full.table.functionCount {
                let function = try XCTUnwrap(full.table.function(atIndex: index))
                XCTAssertEqual(stripped.table.function(atIndex: index), function)
                var pc = function.entry
                // Every PC of the program's own functions; the entry and a few more elsewhere.
                let step: UInt64 = function.name.hasPrefix("main.") ? 1 : max(1, (function.end.offset(from: function.entry)) / 4)
                while pc < function.end {
                    XCTAssertEqual(stripped.table.frames(at: pc, isReturnAddress: false), full.table.frames(at: pc, isReturnAddress: false), "\(function.name) at \(pc)")
                    XCTAssertEqual(stripped.table.stackPointerDelta(at: pc), full.table.stackPointerDelta(at: pc), "\(function.name) at \(pc)")
                    pc = pc.advanced(by: step)
                }
            }
        }
    }

    /// The Go linker writes the DWARF line table from the same positions, so
    /// every row of it must agree with the pclntab's innermost frame. Reads
    /// `.debug_line` through binutils' objdump (libdw 0.188 cannot map Go PCs to units).
    func testLinesMatchTheDWARFLineTable() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/objdump") else { throw XCTSkip("objdump (binutils) is not installed") }
        var checked = 0
        for fixture in try GoFixture.all() where !fixture.truth.stripped {
            let rows = try DWARFLineRows(executable: fixture.executablePath)
            var compared = 0, mismatches: [String] = []
            for (address, row) in rows.byAddress {
                guard let frame = fixture.table.frames(at: Address(address), isReturnAddress: false).first else { continue }
                compared += 1
                // Assembly units name their files by base name only.
                let file = row.file.contains("/") ? frame.file : frame.file.map { String($0.split(separator: "/").last ?? "") }
                if file != row.file || frame.line != row.line {
                    mismatches.append("\(Address(address)): pclntab \(frame.file ?? "?"):\(frame.line ?? 0), DWARF \(row.file):\(row.line)")
                }
            }
            XCTAssertGreaterThan(compared, 10000, "\(fixture)")
            XCTAssertEqual(mismatches.count, 0, "\(fixture): \(mismatches.prefix(10))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0)
    }

    func testRejectsProgramsThatAreNotGo() throws {
        for (fixture, truth) in try Fixtures.native().prefix(1) {
            let process = try ProcessImage(corePath: try fixture.core(), search: FileSearch(executable: try fixture.executable(named: truth.exe)))
            XCTAssertThrowsError(try GoSymbolTable(process: process)) { error in
                XCTAssertTrue("\(error)".contains("not a Go program"), "\(error)")
            }
        }
    }

    func testPCValueTableDecoding() {
        // value -1 +1 = 0 for 5 bytes, then +2 = 2 for 3 bytes, then the end marker.
        let bytes: [UInt8] = [0xaa, 0x02, 0x05, 0x04, 0x03, 0x00]
        bytes.withUnsafeBytes { raw in
            let table = ByteView(raw)
            func value(_ pc: UInt64) -> Int32? { GoSymbolTable.PCValueTable.value(in: table, at: 1, entry: 100, target: pc, quantum: 1) }
            XCTAssertEqual(value(100), 0)
            XCTAssertEqual(value(104), 0)
            XCTAssertEqual(value(105), 2)
            XCTAssertEqual(value(107), 2)
            XCTAssertNil(value(108))
            XCTAssertNil(value(99))
            XCTAssertNil(GoSymbolTable.PCValueTable.value(in: table, at: 0, entry: 100, target: 100, quantum: 1), "offset 0 is no table")
        }
        // A varint that never ends, an overlong one, and one cut off by the end of the table.
        for broken: [UInt8] in [[0, 0x80, 0x80, 0x80], [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0, 0x02]] {
            broken.withUnsafeBytes { raw in
                XCTAssertNil(GoSymbolTable.PCValueTable.value(in: ByteView(raw), at: 1, entry: 0, target: 0, quantum: 1), "\(broken)")
            }
        }
    }

    /// Damaged tables give nil or a throw, never a trap or a huge allocation:
    /// random bytes flipped all over a copy of a real pclntab and inline trees.
    func testCorruptTablesNeverCrash() throws {
        let fixture = try XCTUnwrap(GoFixture.all().first)
        let original = fixture.table.tables
        let pclntab = try XCTUnwrap(fixture.pclntabBytes())
        let gofunc = try XCTUnwrap(original.gofunc)
        let gofuncBytes = Array(gofunc.bytes.base.prefix(1 << 20))
        var random = SplitMix64(seed: 0x5eed)
        let probes = stride(from: 0, to: original.functionCount, by: 7).compactMap { fixture.table.function(atIndex: $0) }
        for round in 0..<60 {
            var damaged = pclntab
            var damagedGofunc = gofuncBytes
            let flips = round % 3 == 0 ? 2000 : 50
            for _ in 0..<flips {
                // Favor the header, the ftab and the records, where damage matters most.
                let limit = round % 2 == 0 ? min(damaged.count, 1 << 16) : damaged.count
                damaged[Int(random.next() % UInt64(limit))] = UInt8(truncatingIfNeeded: random.next())
                damagedGofunc[Int(random.next() % UInt64(damagedGofunc.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            if round % 10 == 9 { damaged.removeLast(Int(random.next() % UInt64(damaged.count))) }
            damaged.withUnsafeBytes { raw in
                damagedGofunc.withUnsafeBytes { rawGofunc in
                    let view = ByteView(raw)
                    guard let header = try? GoSymbolTable.Header(bytes: view, path: "damaged"),
                          let tables = try? GoSymbolTable.Tables(header: header, pclntab: view, moduleData: nil, textBase: original.textBase,
                                                                 gofunc: GoSymbolTable.Window(start: gofunc.start, bytes: ByteView(rawGofunc)), path: "damaged")
                    else { return }
                    let table = GoSymbolTable(tables: tables, moduleData: nil, goVersion: nil, warnings: [], owner: nil)
                    for function in probes {
                        for pc in [function.entry, function.entry.advanced(by: 1), function.end.retreated(by: 1),
                                   function.entry.advanced(by: random.next() % 4096)] {
                            _ = table.function(containing: pc)
                            _ = table.frames(at: pc, isReturnAddress: true)
                            _ = table.stackPointerDelta(at: pc)
                        }
                    }
                    _ = table.functions(named: "main.main")
                }
            }
        }
    }
}

/// The last component of a Go function name: `sync.(*Mutex).Lock` → `Lock`.
private func shortName(_ function: String) -> String {
    String(function.split(separator: ".").last ?? Substring(function))
}

/// One Go fixture, its process and table, and its truth.
private struct GoFixture: CustomStringConvertible {
    struct Truth: Decodable {
        struct Goroutine: Decodable {
            var id: Int
            var frames: [String]?
        }
        var exe: String
        var go_version: String
        var stripped: Bool
        var goroutines: [Goroutine]
    }

    var fixture: Fixture
    var truth: Truth
    var executablePath: String
    var process: ProcessImage
    var table: GoSymbolTable

    var description: String { fixture.description }

    nonisolated(unsafe) private static var cache: [GoFixture]?

    static func all() throws -> [GoFixture] {
        if let cache { return cache }
        let loaded = try Fixtures.all().filter { try $0.isGo() }.map { fixture -> GoFixture in
            let truth = try fixture.truth(Truth.self)
            let executable = try fixture.executable(named: truth.exe)
            let process = try ProcessImage(corePath: try fixture.core(), search: FileSearch(executable: executable))
            return GoFixture(fixture: fixture, truth: truth, executablePath: executable, process: process,
                             table: try GoSymbolTable(process: process))
        }
        cache = loaded
        return loaded
    }

    /// The fixture program's main.go, by line, when it is committed next to the core.
    var sourceLines: [String]? {
        (try? String(contentsOfFile: fixture.directory + "/main.go", encoding: .utf8)).map { $0.components(separatedBy: "\n") }
    }

    /// The pclntab's bytes, copied, for damaging.
    func pclntabBytes() -> [UInt8]? {
        guard let moduleData = table.moduleData,
              let window = GoSymbolTable.WindowFinder(memory: process.memory, executable: nil, bias: 0, copyLimit: 0)
                .window(at: moduleData.pcHeader, count: moduleData.pclntabExtent)
        else { return nil }
        return Array(window.bytes.base)
    }

    /// Every name in every inline tree, walking each function's inline-index table.
    func inlinedFunctionNames() -> Set<String> {
        let tables = table.tables
        var names = Set<String>()
        for index in 0..<tables.functionCount {
            guard let record = tables.record(at: index), tables.funcdata(record, GoSymbolTable.funcdataInlineTree) != nil else { continue }
            GoSymbolTable.PCValueTable.walk(tables.pctab, at: tables.pcdataOffset(record, GoSymbolTable.pcdataInlineTreeIndex),
                                            entry: record.entry, quantum: tables.quantum) { _, value in
                if let call = tables.inlinedCall(record, index: value), let name = tables.name(at: call.nameOffset) { names.insert(name) }
                return true
            }
        }
        return names
    }

    /// PCs inside inlined code, from the inline-index tables.
    func inlinedPCs(limit: Int) -> [Address] {
        let tables = table.tables
        var pcs: [Address] = []
        for index in 0..<tables.functionCount where pcs.count < limit {
            guard let record = tables.record(at: index) else { continue }
            GoSymbolTable.PCValueTable.walk(tables.pctab, at: tables.pcdataOffset(record, GoSymbolTable.pcdataInlineTreeIndex),
                                            entry: record.entry, quantum: tables.quantum) { range, value in
                if value >= 0, !range.isEmpty { pcs.append(Address(range.lowerBound)) }
                return pcs.count < limit
            }
        }
        return pcs
    }

    struct CallSite {
        var returnAddress: Address
        var frames: [GoSourceFrame]
    }

    /// A `call rel32` (E8) to one of `callees` whose frames at the return
    /// address name a prefix of `callers`, ending in a physical function.
    func callSite(reaching callees: [GoFunction], expecting callers: [String]) throws -> CallSite? {
        let targets = Set(callees.map(\.entry))
        for depth in callers.indices {
            for caller in table.functions(named: callers[depth]) {
                let size = Int(caller.end.offset(from: caller.entry))
                let code = try process.memory.readBytes(at: caller.entry, count: size)
                var offset = 0
                while offset + 5 <= size {
                    defer { offset += 1 }
                    guard code[offset] == 0xe8 else { continue }
                    let displacement = Int64(Int32(bitPattern: UInt32(code[offset + 1]) | UInt32(code[offset + 2]) << 8
                        | UInt32(code[offset + 3]) << 16 | UInt32(code[offset + 4]) << 24))
                    let returnAddress = caller.entry.advanced(by: UInt64(offset + 5))
                    guard targets.contains(Address(UInt64(bitPattern: Int64(bitPattern: returnAddress.rawValue) &+ displacement))) else { continue }
                    let frames = table.frames(at: returnAddress, isReturnAddress: true)
                    if frames.map(\.function) == Array(callers[...depth]) { return CallSite(returnAddress: returnAddress, frames: frames) }
                }
            }
        }
        return nil
    }
}

/// `.symtab` of an unstripped executable: names to values.
private struct ELFSymbols {
    private(set) var values: [String: UInt64] = [:]
    /// Function symbols with a size, without the `.abi0` suffix the linker adds to assembly ABI wrappers' ELF names.
    private(set) var functions: [(String, UInt64)] = []

    init(path: String) throws {
        let file = try MappedFile(path: path)
        let elf = try ELFImage(view: file.bytes, path: path)
        guard let symtab = elf.section(named: ".symtab"), let strtab = elf.section(named: ".strtab"),
              let entries = elf.view.slice(at: symtab.fileOffset, count: symtab.size)
        else { return }
        // Elf64_Sym: name u32, info u8, other u8, shndx u16, value u64, size u64.
        for offset in stride(from: 0, to: entries.count - 23, by: 24) {
            let nameOffset = UInt64(entries.loadUnchecked(UInt32.self, at: offset))
            let info = entries.base[offset + 4]
            let value = entries.loadUnchecked(UInt64.self, at: offset + 8)
            let size = entries.loadUnchecked(UInt64.self, at: offset + 16)
            guard let name = elf.view.cString(at: strtab.fileOffset + nameOffset, maxLength: 4096), !name.isEmpty else { continue }
            values[name] = value
            if info & 0xf == 2, size > 0 { // STT_FUNC; zero-sized ones are markers such as runtime.text
                functions.append((name.hasSuffix(".abi0") ? String(name.dropLast(5)) : name, value))
            }
        }
    }

    var isEmpty: Bool { values.isEmpty }
    subscript(name: String) -> UInt64? { values[name] }
}

/// The DWARF line table, as `objdump --dwarf=decodedline` prints it: for each
/// address, the file and line of the last row there.
private struct DWARFLineRows {
    struct Row {
        var file: String
        var line: Int
    }

    private(set) var byAddress: [UInt64: Row] = [:]

    init(executable: String) throws {
        let result = try Shell.run("/usr/bin/objdump", ["--dwarf=decodedline", executable])
        guard result.status == 0 else { throw FixtureError("objdump failed: \(result.stderr)") }
        var file: String?
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // A block starts with its file and a colon: the full path for Go
            // units, only the base name for assembly ones, "<autogenerated>".
            if fields.count == 1, line.hasSuffix(":") {
                file = String(line.dropLast())
                continue
            }
            guard let file, fields.count >= 3, fields[2].hasPrefix("0x"),
                  let address = UInt64(fields[2].dropFirst(2), radix: 16)
            else { continue }
            // "-" marks the end of a sequence: no row starts there.
            guard let number = Int(fields[1]) else { continue }
            // A new sequence may start without repeating the header; the first column always has the base name.
            let baseName = String(fields[0])
            byAddress[address] = Row(file: file.split(separator: "/").last.map(String.init) == baseName ? file : baseName, line: number)
        }
    }
}

/// A small deterministic generator, so a failure reproduces.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
