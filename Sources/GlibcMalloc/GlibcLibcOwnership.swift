import CoreFile
import ProcessImage

/// Marks the chunks that libc and the C++ runtime allocated for themselves, so leak reports and
/// histograms can tell them from the program's:
/// - each thread's tcache_perthread_struct;
/// - chunks whose start is held in the writable data of libc, the dynamic loader or libstdc++:
///   stdio buffers (`_IO_buf_base`), libstdc++'s emergency exception pool, atexit lists,
///   dlopen's link maps;
/// - each thread's DTV and the dynamic TLS blocks it points at.
struct GlibcLibcOwnership {
    let process: ProcessImage
    let libc: Module

    init(process: ProcessImage, libc: Module) {
        self.process = process
        self.libc = libc
    }

    /// Files whose own globals hold libc-internal allocations.
    private func isRuntimeFile(_ path: String) -> Bool {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return path == libc.name || file.hasPrefix("ld-linux") || file.hasPrefix("libstdc++.so")
    }

    private func word(_ address: UInt64) -> UInt64? { try? process.memory.readUInt64(at: Address(address)) }

    func mark(rows: inout GlibcRows, tcaches: [UInt64]) {
        for tcache in tcaches { own(startingAt: tcache, in: &rows) }
        let modules = process.modules.filter { isRuntimeFile($0.name) }
        let dataRegions = process.memory.regions.filter { region in
            (region.permissions?.writable ?? false) && modules.contains { module in
                region.mappedFile?.path == module.name || module.range.contains(region.range.start)
            }
        }
        guard let lowest = rows.addresses.first, let last = rows.addresses.indices.last else { return }
        let highest = rows.addresses[last] + rows.sizes[last]
        for region in dataRegions {
            process.memory.forEachView(in: region.range) { _, view in
                var offset = 0
                while offset + 8 <= view.count {
                    let value = view.loadUnchecked(UInt64.self, at: offset)
                    if value >= lowest && value < highest { own(startingAt: value, in: &rows) }
                    offset += 8
                }
            }
        }
        markThreadVectors(rows: &rows)
    }

    /// `dtv` is the second word of the TCB at fs_base; dtv[-1] holds its length and each entry
    /// is {pointer, to_free}; blocks of modules loaded with dlopen are malloc'd.
    private func markThreadVectors(rows: inout GlibcRows) {
        for thread in process.threads {
            guard let pointer = thread.registers.value(named: "fs_base"), pointer != 0,
                  let dtv = word(pointer &+ 8), dtv > 16, let length = word(dtv - 16)
            else { continue }
            if let row = rows.row(containing: dtv) { rows.words[row].isLibcOwned = true }
            for entry in 1...max(1, min(length, 4096)) {
                for field in [UInt64(0), 8] {
                    if let value = word(dtv &+ entry * 16 &+ field), value != 0, let row = rows.row(containing: value) {
                        rows.words[row].isLibcOwned = true
                    }
                }
            }
        }
    }

    private func own(startingAt address: UInt64, in rows: inout GlibcRows) {
        guard let row = rows.row(containing: address), rows.addresses[row] == address else { return }
        rows.words[row].isLibcOwned = true
    }
}
