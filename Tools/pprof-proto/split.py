#!/usr/bin/env python3
"""Splits protoc-gen-swift's profile.pb.swift into files of one topic each (the project keeps source
files under ~400 lines): the Profile message, its sample types (ValueType, Sample, Label), and where
samples point (Mapping, Location, Line, Function). Each message keeps its struct and its SwiftProtobuf
support extension in one file, because the generated code reaches fileprivate storage across them.

Usage: split.py GENERATED OUT_DIR   (GENERATED starts with the provenance comment make-pprof-proto writes)
"""
import re
import sys

GROUPS = {
    "profile.pb.swift": ["Profile"],
    "profile-samples.pb.swift": ["ValueType", "Sample", "Label"],
    "profile-locations.pb.swift": ["Mapping", "Location", "Line", "Function"],
}
SUPPORT_MARK = "// MARK: - Code below here is support for the SwiftProtobuf runtime."


def blocks(lines, opener):
    """Blocks that end at a `}` in column 0, each with the comments and blank lines before it, by message name."""
    result, current = {}, []
    for line in lines:
        current.append(line)
        if line == "}":
            name = next(m.group(1) for m in (re.match(opener, l) for l in current) if m)
            result[name] = current
            current = []
    if any(l.strip() for l in current):
        sys.exit(f"split.py: text after the last block: {current[:3]}")
    return result


def main():
    source, out_dir = sys.argv[1], sys.argv[2]
    lines = open(source).read().split("\n")
    if lines[-1] == "":
        lines.pop()
    version_end = lines.index("}", next(i for i, l in enumerate(lines) if "_GeneratedWithProtocGenSwiftVersion" in l))
    preamble = lines[: version_end + 1]
    mark = lines.index(SUPPORT_MARK)
    package = next(l for l in lines[mark:] if "_protobuf_package =" in l)
    structs = blocks(lines[version_end + 1 : mark], r"public nonisolated struct Perftools_Profiles_(\w+)")
    support_start = lines.index(package, mark) + 1
    support = blocks(lines[support_start:], r"nonisolated extension Perftools_Profiles_(\w+)")
    placed = [name for names in GROUPS.values() for name in names]
    if sorted(placed) != sorted(structs) or sorted(placed) != sorted(support):
        sys.exit(f"split.py: messages changed: structs {sorted(structs)}, support {sorted(support)}; update GROUPS")
    provenance = preamble[: preamble.index("") + 1]
    imports = [l for l in preamble if l.startswith("import ")]
    for file, names in GROUPS.items():
        head = preamble if file == "profile.pb.swift" else provenance + [
            f"// Part of profile.proto's generated code, split by topic by Tools/pprof-proto/split.py.", ""] + imports
        body = [l for n in names for l in structs[n]] + ["", SUPPORT_MARK, "", package]
        body += [l for n in names for l in support[n]]
        open(f"{out_dir}/{file}", "w").write("\n".join(head + body) + "\n")


main()
