#!/usr/bin/env python3
"""Checks a c-heap core against the program's truth.json and gdb's walk of the
live process (gdb_walk.py), without coreinspect:

  check_core.py CORE TRUTH WALK

1. mallinfo2: the program's own call equals gdb's `mallinfo2()` on the live process;
   the core holds the same TLS `tcache` values and tcache and fastbin links gdb saw.
2. Chunk headers in the core: an in-use chunk's size is its usable size + 8 with
   NON_MAIN_ARENA set exactly off the main arena; an mmapped chunk has IS_MMAPPED;
   a freed chunk outside top kept its size.
3. Free places: each freed block sits in the free structure the truth names
   (the freeing thread's tcache, its arena's fastbins, bins or top), and no live
   block sits in any free structure.
4. Honest classes, by a conservative scan of the core (registers, stacks from SP,
   every other writable segment, every heap block): nothing but a block itself
   points into a direct leak; nothing outside leaked blocks points into an
   indirect leak, which its leader reaches; a possible block has interior
   pointers from outside leaks but no pointer to its start; every reachable
   block is reached from outside the manifest through pointers to block starts.
Prints a summary and exits 1 on any failure."""
import bisect
import json
import struct
import sys
from array import array

PT_LOAD, PT_NOTE, PF_W, NT_PRSTATUS = 1, 4, 2, 1
ROOT, FREE = -1, -2


def load_core(path):
    data = open(path, "rb").read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments, threads = [], []
    for i in range(phnum):
        kind, flags, offset, vaddr, _, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if kind == PT_LOAD and filesz:
            segments.append((vaddr, vaddr + filesz, offset, bool(flags & PF_W)))
        elif kind == PT_NOTE:
            at = offset
            while at < offset + filesz:
                namesz, descsz, ntype = struct.unpack_from("<III", data, at)
                desc = at + 12 + ((namesz + 3) & ~3)
                if ntype == NT_PRSTATUS:
                    tid, = struct.unpack_from("<i", data, desc + 32)
                    threads.append((tid, struct.unpack_from("<27Q", data, desc + 112)))
                at = desc + ((descsz + 3) & ~3)
    segments.sort()
    return data, segments, threads


class Memory:
    def __init__(self, data, segments):
        self.data, self.segments, self.starts = data, segments, [s[0] for s in segments]

    def word(self, address):
        i = bisect.bisect_right(self.starts, address) - 1
        if i < 0 or address + 8 > self.segments[i][1]:
            raise KeyError(hex(address))
        start, _, offset, _ = self.segments[i]
        return struct.unpack_from("<Q", self.data, offset + address - start)[0]


def main(core_path, truth_path, walk_path):
    truth, walk = json.load(open(truth_path)), json.load(open(walk_path))
    data, segments, threads = load_core(core_path)
    memory = Memory(data, segments)
    failures = []

    def fail(message):
        if len(failures) < 40:
            print("FAIL:", message)
        failures.append(message)

    if truth["mallinfo2"] != walk["mallinfo2"]:
        fail(f"mallinfo2 differs: program {truth['mallinfo2']}, gdb {walk['mallinfo2']}")

    blocks = truth["allocations"]
    for b in blocks:
        b["at"] = int(b["address"], 16)
        b["end"] = b["at"] + b["usable"]
        field = memory.word(b["at"] - 8)
        if b["arena"] == "mmap":
            if not field & 2:
                fail(f"{b['address']}: mmapped block without IS_MMAPPED ({field:#x})")
        elif b["class"] != "freed" or b["free"] != "top":
            if field & ~7 != b["usable"] + 8:
                fail(f"{b['address']}: chunk size {field & ~7:#x}, expected usable {b['usable']} + 8")
            if b["class"] != "freed" and bool(field & 4) != (b["arena"] != "main"):
                fail(f"{b['address']}: NON_MAIN_ARENA bit {field & 4} for arena {b['arena']}")

    check_core_lists(truth, walk, memory, threads, fail)
    check_free_places(truth, walk, blocks, fail)
    check_classes(truth, memory, threads, blocks, fail)

    counts = {}
    for b in blocks:
        key = b["class"] if b["class"] != "freed" else "freed:" + b["free"]
        counts[key] = counts.get(key, 0) + 1
    print(f"glibc {truth['glibc']}: {len(blocks)} allocations {dict(sorted(counts.items()))}; "
          f"{len(threads)} threads; refilled pages {walk.get('refilled_pages', 0)}")
    if failures:
        print(f"{len(failures)} failures")
        sys.exit(1)
    print("core agrees with truth.json and gdb's walk")


def check_core_lists(truth, walk, memory, threads, fail):
    """The core itself holds what gdb saw live: each thread's TLS `tcache` (at
    fs_base + tls_offset) and each tcache and fastbin link, safe-linking undone."""
    fs_base = {tid: regs[21] for tid, regs in threads}
    arenas = {a["address"] for a in walk["arenas"]}
    heap_mask = ~((64 << 20) - 1)
    for t in truth["threads"]:
        if t["arena"] != "main" and t["arena"] not in arenas:
            fail(f"thread {t['name']}: arena {t['arena']} is not on gdb's arena list")
        # dtls_root must live in a block malloc made (dynamic TLS), in the thread's own heap.
        if "dtls_root" in t and int(t["dtls_root"], 16) & heap_mask != int(t["arena"], 16) & heap_mask:
            fail(f"thread {t['name']}: dtls_root {t['dtls_root']} is not in its arena's heap")
    for tcache in walk["tcaches"]:
        value = memory.word(fs_base[tcache["tid"]] + tcache["tls_offset"])
        if value != int(tcache["tcache"], 16):
            fail(f"tid {tcache['tid']}: TLS tcache {value:#x} in the core, {tcache['tcache']} live")
        check_links(tcache["entries"], 0, memory, fail)
    for arena in walk["arenas"]:
        check_links(arena["fastbin"], 16, memory, fail)


def check_links(pointers, header, memory, fail):
    """pointers: user pointers of singly linked, safe-linked lists, concatenated;
    each link holds the next entry (user pointer minus `header`) or ends its list."""
    addresses = [int(p, 16) for p in pointers]
    for here, after in zip(addresses, addresses[1:] + [None]):
        field = here
        following = ((field >> 12) ^ memory.word(field)) & ((1 << 64) - 1)
        if following and following != (after or 0) - header:
            fail(f"free list link at {here:#x} leads to {following:#x} in the core")


def check_free_places(truth, walk, blocks, fail):
    tid_of = {t["name"]: t["tid"] for t in truth["threads"]}
    tcache = {t["tid"]: set(t["entries"]) for t in walk["tcaches"]}
    arena_of = {a["address"]: a for a in walk["arenas"]}
    main_arena = walk["main_arena"]
    cached = set().union(*tcache.values())
    anywhere = set(cached)
    for a in walk["arenas"]:
        for kind in ("fastbin", "unsorted", "smallbin", "largebin"):
            anywhere.update(a[kind])
    for b in blocks:
        if b["class"] != "freed":
            if b["address"] in anywhere:
                fail(f"live {b['class']} block {b['address']} is in a free structure")
            continue
        arena = arena_of.get(main_arena if b["arena"] == "main" else b["arena"])
        place = b["free"]
        if place == "tcache":
            found = b["address"] in tcache.get(tid_of[b["freed_by"]], set())
        elif place == "top":
            top = int(arena["top"], 16) - 16
            found = top <= b["at"] - 16 < top + arena["top_size"]
        else:
            found = b["address"] in arena[place]
        if not found:
            where = [k for a in walk["arenas"] for k in ("fastbin", "unsorted", "smallbin", "largebin")
                     if b["address"] in a[k]] + ["tcache"] * (b["address"] in cached)
            fail(f"freed {b['address']} ({b['usable'] + 8:#x} chunk) expected in {place}, found in {where or 'nothing'}")


def check_classes(truth, memory, threads, blocks, fail):
    live = sorted((b for b in blocks if b["class"] != "freed"), key=lambda b: b["at"])
    starts = [b["at"] for b in live]
    freed = sorted((b["at"], b["end"]) for b in blocks if b["class"] == "freed" and b["free"] != "top")
    freed_starts = [f[0] for f in freed]
    lo, hi = starts[0], max(b["end"] for b in live)
    edges = [dict() for _ in live]  # target index -> {source: is_start}

    def source_of(address):
        i = bisect.bisect_right(starts, address) - 1
        if i >= 0 and address < live[i]["end"]:
            return i
        j = bisect.bisect_right(freed_starts, address) - 1
        return FREE if j >= 0 and address < freed[j][1] else ROOT

    def note(value, source):
        i = bisect.bisect_right(starts, value) - 1
        if i >= 0 and value < live[i]["end"] and source != i:
            edges[i][source] = edges[i].get(source, False) or value == live[i]["at"]

    for tid, regs in threads:
        for value in regs:
            if lo <= value < hi:
                note(value, ROOT)
    stack_tops = [regs[19] for _, regs in threads]
    for start, end, offset, writable in memory.segments:
        if not writable:
            continue
        # From the lowest SP in the segment: since 2.42 the guard pages live inside
        # the stack mappings, so adjacent thread stacks merge into one segment.
        from_ = min([sp for sp in stack_tops if start <= sp < end] or [start]) & ~7
        words = array("Q", memory.data[offset + from_ - start: offset + end - start - (end - from_) % 8])
        for k, value in enumerate(words):
            if lo <= value < hi:
                note(value, source_of(from_ + 8 * k))

    leaked = {i for i, b in enumerate(live) if b["class"] in ("direct", "indirect", "possible")}
    for i, b in enumerate(live):
        sources = edges[i]
        outside = {s: st for s, st in sources.items() if s not in leaked}
        if b["class"] == "direct" and sources:
            fail(f"direct leak {b['address']} is pointed to from {describe(sources, live)}")
        elif b["class"] == "indirect" and outside:
            fail(f"indirect leak {b['address']} is pointed to from outside leaks: {describe(outside, live)}")
        elif b["class"] == "possible":
            if any(outside.values()) or not outside:
                fail(f"possible leak {b['address']}: outside pointers {describe(outside, live)}")
    # Reachability through pointers to block starts, from roots.
    marked = {i for i, s in enumerate(edges) if s.get(ROOT)}
    work = list(marked)
    by_source = {}
    for i, sources in enumerate(edges):
        for s, is_start in sources.items():
            if is_start and s >= 0:
                by_source.setdefault(s, []).append(i)
    while work:
        for target in by_source.get(work.pop(), []):
            if target not in marked and live[target]["class"] == "reachable":
                marked.add(target)
                work.append(target)
    for i, b in enumerate(live):
        if b["class"] == "reachable" and i not in marked:
            fail(f"reachable {b['address']} ({b.get('root')}) is not reached from a root")
        if b["class"] != "reachable" and i in marked:
            fail(f"{b['class']} {b['address']} is reached from a root")
    index_of = {b["address"]: i for i, b in enumerate(live)}
    for i, b in enumerate(live):
        if b["class"] == "indirect":
            seen, work = {index_of[b["leader"]]}, [index_of[b["leader"]]]
            while work:
                for t in by_source.get(work.pop(), []):
                    if t not in seen and t in leaked:
                        seen.add(t)
                        work.append(t)
            if i not in seen:
                fail(f"indirect {b['address']} is not reached from its leader {b['leader']}")


def describe(sources, live):
    names = {ROOT: "a root", FREE: "a freed chunk"}
    return ", ".join(names.get(s) or f"{live[s]['class']} {live[s]['address']}" + ("" if st else " (interior)")
                     for s, st in sources.items())


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
