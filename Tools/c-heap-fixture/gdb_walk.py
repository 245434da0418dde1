# Runs inside gdb attached to a live c-heap (or memcached) process (gdb -x gdb_walk.py), with
# libc's debug info loaded. Walks glibc's own free structures by their DWARF
# field names (so it follows every release's layout), asks the process for
# mallinfo2(), and writes both to $C_HEAP_WALK_OUT as JSON:
#   {"arenas": [{"address", "top", "top_size", "system_mem", "fastbin": [...], "unsorted": [...],
#                "smallbin": [...], "largebin": [...]}],
#    "tcaches": [{"tid", "tcache", "tls_offset", "entries": [...]}],
#    "mallinfo2": {...}, "main_arena": "0x…"}
# Chunk lists hold user pointers (chunk + 16), as malloc returned them.
# Then it dumps the core to $C_HEAP_CORE_OUT (gdb's gcore) and refills the
# pages gdb could not read (see refill_zeroed_pages).
import json
import os

import gdb

MASK = (1 << 64) - 1
inferior = gdb.selected_inferior()


def word(address):
    return int.from_bytes(bytes(inferior.read_memory(address, 8)), "little")


def reveal(field_address, stored):
    """Undoes safe-linking (glibc >= 2.32): stored = (field_address >> 12) ^ next."""
    return (field_address >> 12) ^ stored


def walk_bins(state, arena):
    bins = state["bins"]
    base = int(bins[0].address)
    count = (bins.type.range()[1] + 1) // 2 + 1  # NBINS
    for index in range(1, count):
        head = base + (index - 1) * 16 - 16  # bin_at(): the fd/bk pair posing as a chunk
        kind = "unsorted" if index == 1 else "smallbin" if index < 64 else "largebin"
        chunk, steps = word(head + 16), 0
        while chunk != head and steps < 100000:
            arena[kind].append(hex(chunk + 16))
            chunk, steps = word(chunk + 16), steps + 1


def walk_fastbins(state, arena):
    try:
        fastbins = state["fastbinsY"]
    except gdb.error:
        return  # 2.43 has none
    for index in range(fastbins.type.range()[1] + 1):
        chunk, steps = int(fastbins[index]) & MASK, 0
        while chunk and steps < 100000:
            arena["fastbin"].append(hex(chunk + 16))
            chunk, steps = reveal(chunk + 16, word(chunk + 16)), steps + 1


def walk_arenas():
    arenas, seen = [], set()
    pointer = gdb.parse_and_eval("&main_arena")
    while int(pointer) not in seen:
        seen.add(int(pointer))
        state = pointer.dereference()
        top = int(state["top"]) & MASK
        arena = {"address": hex(int(pointer)), "top": hex(top + 16), "top_size": word(top + 8) & ~7,
                 "system_mem": int(state["system_mem"]),
                 "fastbin": [], "unsorted": [], "smallbin": [], "largebin": []}
        walk_fastbins(state, arena)
        walk_bins(state, arena)
        arenas.append(arena)
        pointer = state["next"]
    return arenas


def walk_tcaches():
    tcaches = []
    for thread in inferior.threads():
        thread.switch()
        pointer = gdb.parse_and_eval("tcache")
        address = int(pointer) & MASK
        fs_base = int(gdb.parse_and_eval("$fs_base")) & MASK
        tls = int(gdb.parse_and_eval("&tcache")) & MASK
        record = {"tid": thread.ptid[1], "tcache": hex(address), "tls_offset": tls - fs_base, "entries": []}
        if address:
            entries = pointer.dereference()["entries"]
            for index in range(entries.type.range()[1] + 1):
                entry, steps = int(entries[index]) & MASK, 0
                while entry and steps < 100000:
                    record["entries"].append(hex(entry))
                    entry, steps = reveal(entry, word(entry)), steps + 1
        tcaches.append(record)
    return tcaches


def mallinfo2():
    value = gdb.parse_and_eval("mallinfo2()")
    return {field.name: int(value[field.name]) for field in value.type.fields()}




def refill_zeroed_pages(core_path, pid):
    """gdb 13 on glibc >= 2.42 with kernel >= 6.13 fails on the guard page inside
    a thread's stack mapping and writes the whole mapping as zeros. The process is
    still stopped under gdb: copy every page the core has as zeros but the
    process can read (and is not all zeros) from /proc/PID/mem."""
    import struct
    patched = 0
    with open(core_path, "r+b") as core, open(f"/proc/{pid}/mem", "rb") as mem:
        header = core.read(64)
        phoff, = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        core.seek(phoff)
        table = core.read(phentsize * phnum)
        for index in range(phnum):
            kind, _, offset, vaddr, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", table, index * phentsize)
            if kind != 1 or filesz == 0:
                continue
            for page in range(0, filesz, 4096):
                length = min(4096, filesz - page)
                core.seek(offset + page)
                if any(core.read(length)):
                    continue
                try:
                    mem.seek(vaddr + page)
                    live = mem.read(length)
                except (OSError, ValueError):  # unreadable, or beyond a signed offset (vsyscall)
                    continue
                if len(live) == length and any(live):
                    core.seek(offset + page)
                    core.write(live)
                    patched += 1
    return patched


result = {"main_arena": hex(int(gdb.parse_and_eval("&main_arena"))), "arenas": walk_arenas(),
          "tcaches": walk_tcaches()}
# Dump before calling into the process: the call leaves its frame below SP.
gdb.execute("generate-core-file " + os.environ["C_HEAP_CORE_OUT"], to_string=True)
result["refilled_pages"] = refill_zeroed_pages(os.environ["C_HEAP_CORE_OUT"], inferior.pid)
result["mallinfo2"] = mallinfo2()
with open(os.environ["C_HEAP_WALK_OUT"], "w") as out:
    json.dump(result, out, indent=1)
