// Command go-layouts reads the Go runtime's structure layouts, status
// constants and wait-reason strings from the DWARF and symbols of one Go
// executable and prints them as JSON.
//
//	go-layouts [-goroot DIR] BINARY
//
// Tools/make-go-layouts runs it on a probe program built with each Go release
// and turns the results into Sources/GoRuntime/Layouts/GoRuntimeLayoutTable.swift.
// On its own it is handy for comparing a fixture binary with the tables.
//
// Output fields:
//
//	release          Go version from the build info ("go1.23.9")
//	fieldOffsets     "runtime.g.sched.pc": byte offset within runtime.g
//	typeSizes        "runtime.g": byte size
//	constants        "runtime._Grunning": value (every runtime._G* status)
//	constantsSource  "dwarf", or "dwarf+runtime2.go" when -goroot filled gaps
//	waitReasons      runtime.waitReasonStrings, indexed by waitReason
//	waitReasonsSource how waitReasonStrings was located
//	missing          requested fields the binary does not have (omitted above)
package main

import (
	"bufio"
	"debug/buildinfo"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// wanted lists, per runtime type, the member paths to report. Paths descend
// into members held by value ("sched.pc": g.sched is a runtime.gobuf).
// A path the binary lacks is reported under "missing" and left out.
var wanted = []struct {
	typ    string
	fields []string
}{
	{"runtime.g", []string{
		"stack.lo", "stack.hi", "stackguard0", "m",
		"sched.sp", "sched.pc", "sched.bp", "sched.g", "sched.ctxt",
		"syscallsp", "syscallpc", "syscallbp",
		"atomicstatus", "goid", "schedlink", "waitsince", "waitreason",
		"lockedm", "startpc", "gopc", "parentGoid", "waiting",
	}},
	{"runtime.m", []string{"g0", "gsignal", "procid", "curg", "id", "alllink", "p", "lockedg"}},
	{"runtime.gobuf", nil},
	{"runtime.stack", nil},
	{"runtime.schedt", []string{"lastpoll", "pollUntil"}},
	{"runtime.moduledata", []string{
		"pcHeader", "funcnametab", "cutab", "filetab", "pctab", "pclntable", "ftab", "findfunctab",
		"minpc", "maxpc", "text", "etext", "noptrdata", "enoptrdata", "data", "edata",
		"bss", "ebss", "noptrbss", "enoptrbss", "end", "types", "etypes", "rodata", "gofunc",
	}},
}

// sizedTypes are the types whose byte size is reported.
var sizedTypes = []string{"runtime.g", "runtime.m", "runtime.gobuf", "runtime.stack", "runtime.schedt", "runtime.moduledata"}

// statusConstant matches the goroutine status constants (_Gidle, _Gscan,
// _Gmoribund_unused, ...) but not _GCoff or _GoidCacheBatch, and the
// abi.FuncID values tracebacks treat specially (FuncIDWrapper moved from 21
// to 22 to 23 between 1.21 and 1.25 as IDs were inserted before it).
var statusConstant = regexp.MustCompile(`^(runtime\._G[a-z][a-z_]*|internal/abi\.FuncID[A-Za-z0-9_]*)$`)

type result struct {
	Release           string            `json:"release"`
	FieldOffsets      map[string]uint64 `json:"fieldOffsets"`
	TypeSizes         map[string]uint64 `json:"typeSizes"`
	Constants         map[string]int64  `json:"constants"`
	ConstantsSource   string            `json:"constantsSource"`
	WaitReasons       []string          `json:"waitReasons"`
	WaitReasonsSource string            `json:"waitReasonsSource"`
	Missing           []string          `json:"missing"`
}

func main() {
	goroot := flag.String("goroot", "", "GOROOT of the release that built BINARY; its src/runtime/runtime2.go supplies\n"+
		"status constants DWARF lacks (none are looked up there otherwise)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go-layouts [-goroot DIR] BINARY\n\n"+
			"Prints the Go runtime layouts of BINARY (built with DWARF) as JSON.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	res, err := inspect(flag.Arg(0), *goroot)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-layouts: %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	out.SetEscapeHTML(false)
	if err := out.Encode(res); err != nil {
		fmt.Fprintf(os.Stderr, "go-layouts: %v\n", err)
		os.Exit(1)
	}
}

func inspect(path, goroot string) (*result, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no Go build info: %w", err)
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Section(".debug_info") == nil && f.Section(".zdebug_info") == nil {
		return nil, errors.New("no DWARF (built or stripped with -w?)")
	}
	d, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("reading DWARF: %w", err)
	}
	idx, err := index(d)
	if err != nil {
		return nil, err
	}
	res := &result{
		Release:      bi.GoVersion,
		FieldOffsets: map[string]uint64{},
		TypeSizes:    map[string]uint64{},
		Constants:    idx.constants,
		Missing:      []string{},
	}

	for _, name := range sizedTypes {
		st, err := idx.structType(d, name)
		if err != nil {
			return nil, err
		}
		res.TypeSizes[name] = uint64(st.ByteSize)
	}
	for _, w := range wanted {
		st, err := idx.structType(d, w.typ)
		if err != nil {
			return nil, err
		}
		for _, field := range w.fields {
			off, err := fieldOffset(st, field)
			if err != nil {
				res.Missing = append(res.Missing, w.typ+"."+field)
				continue
			}
			res.FieldOffsets[w.typ+"."+field] = off
		}
	}

	res.ConstantsSource = "dwarf"
	if goroot != "" {
		src, err := statusConstantsFromSource(filepath.Join(goroot, "src", "runtime", "runtime2.go"))
		if err != nil {
			return nil, err
		}
		added := false
		for name, v := range src {
			if have, ok := res.Constants[name]; ok {
				if have != v {
					return nil, fmt.Errorf("%s is %d in DWARF but %d in runtime2.go", name, have, v)
				}
				continue
			}
			res.Constants[name] = v
			added = true
		}
		if added {
			res.ConstantsSource = "dwarf+runtime2.go"
		}
	}
	if len(res.Constants) == 0 {
		return nil, errors.New("no runtime._G* constants in DWARF (pass -goroot to read runtime2.go)")
	}

	res.WaitReasons, res.WaitReasonsSource, err = waitReasons(f, d, idx)
	if err != nil {
		return nil, fmt.Errorf("runtime.waitReasonStrings: %w", err)
	}
	return res, nil
}

// dwarfIndex holds what one pass over the DWARF entries finds.
type dwarfIndex struct {
	types     map[string]dwarf.Offset // struct type name -> entry offset
	variables map[string]*dwarf.Entry // global variable name -> entry
	constants map[string]int64        // runtime._G* -> value
}

func index(d *dwarf.Data) (*dwarfIndex, error) {
	idx := &dwarfIndex{
		types:     map[string]dwarf.Offset{},
		variables: map[string]*dwarf.Entry{},
		constants: map[string]int64{},
	}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		switch e.Tag {
		case dwarf.TagStructType:
			if _, dup := idx.types[name]; !dup && name != "" {
				idx.types[name] = e.Offset
			}
		case dwarf.TagVariable:
			if strings.HasPrefix(name, "runtime.") {
				idx.variables[name] = e
			}
		case dwarf.TagConstant:
			if statusConstant.MatchString(name) {
				v, ok := e.Val(dwarf.AttrConstValue).(int64)
				if !ok {
					return nil, fmt.Errorf("constant %s has no integer value", name)
				}
				if have, dup := idx.constants[name]; dup && have != v {
					return nil, fmt.Errorf("constant %s is both %d and %d", name, have, v)
				}
				idx.constants[name] = v
			}
		}
		// Members, parameters and locals are not globals; skip the subtrees
		// of functions to keep the walk short.
		if e.Tag == dwarf.TagSubprogram && e.Children {
			r.SkipChildren()
		}
	}
	return idx, nil
}

func (idx *dwarfIndex) structType(d *dwarf.Data, name string) (*dwarf.StructType, error) {
	off, ok := idx.types[name]
	if !ok {
		return nil, fmt.Errorf("no struct type %s in DWARF", name)
	}
	t, err := d.Type(off)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	st, ok := t.(*dwarf.StructType)
	if !ok {
		return nil, fmt.Errorf("%s is a %T, not a struct", name, t)
	}
	return st, nil
}

// fieldOffset resolves a dotted member path, adding offsets of nested
// by-value structs.
func fieldOffset(st *dwarf.StructType, path string) (uint64, error) {
	var total uint64
	parts := strings.Split(path, ".")
	for i, part := range parts {
		var found *dwarf.StructField
		for _, fld := range st.Field {
			if fld.Name == part {
				found = fld
				break
			}
		}
		if found == nil {
			return 0, fmt.Errorf("%s has no member %s", st.StructName, part)
		}
		total += uint64(found.ByteOffset)
		if i == len(parts)-1 {
			break
		}
		next, ok := underlying(found.Type).(*dwarf.StructType)
		if !ok {
			return 0, fmt.Errorf("%s.%s is not a struct", st.StructName, part)
		}
		st = next
	}
	return total, nil
}

func underlying(t dwarf.Type) dwarf.Type {
	for {
		td, ok := t.(*dwarf.TypedefType)
		if !ok {
			return t
		}
		t = td.Type
	}
}

// waitReasons reads runtime.waitReasonStrings, a [N]string, from the
// binary's data: the array's address comes from its DWARF variable
// location (DW_OP_addr) or else the ELF symbol table; each element is a
// string header (ptr, len) whose bytes live in .rodata.
func waitReasons(f *elf.File, d *dwarf.Data, idx *dwarfIndex) ([]string, string, error) {
	const name = "runtime.waitReasonStrings"
	var addr, size uint64
	var source string
	if e, ok := idx.variables[name]; ok {
		if loc, ok := e.Val(dwarf.AttrLocation).([]byte); ok && len(loc) == 9 && loc[0] == 0x03 { // DW_OP_addr
			addr = f.ByteOrder.Uint64(loc[1:])
			source = "DWARF variable location"
		}
		if toff, ok := e.Val(dwarf.AttrType).(dwarf.Offset); ok {
			if t, err := d.Type(toff); err == nil {
				size = uint64(t.Size())
			}
		}
	}
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name != name {
				continue
			}
			if addr != 0 && s.Value != addr {
				return nil, "", fmt.Errorf("DWARF says %#x, symbol table %#x", addr, s.Value)
			}
			if addr == 0 {
				addr = s.Value
				source = "ELF symbol table"
			} else {
				source += ", matching the ELF symbol"
			}
			if size == 0 {
				size = s.Size
			} else if s.Size != 0 && s.Size != size {
				return nil, "", fmt.Errorf("DWARF size %d, symbol size %d", size, s.Size)
			}
		}
	}
	if addr == 0 {
		return nil, "", errors.New("not found in DWARF or the symbol table")
	}
	if size == 0 || size%16 != 0 {
		return nil, "", fmt.Errorf("unexpected size %d", size)
	}
	raw, err := readAddr(f, addr, size)
	if err != nil {
		return nil, "", err
	}
	out := make([]string, size/16)
	for i := range out {
		ptr := binary.LittleEndian.Uint64(raw[16*i:])
		n := binary.LittleEndian.Uint64(raw[16*i+8:])
		if n == 0 {
			continue
		}
		b, err := readAddr(f, ptr, n)
		if err != nil {
			return nil, "", fmt.Errorf("element %d: %w", i, err)
		}
		out[i] = string(b)
	}
	return out, source + "; strings read from the binary's data", nil
}

// readAddr reads n bytes at virtual address addr from the section holding them.
func readAddr(f *elf.File, addr, n uint64) ([]byte, error) {
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || addr < s.Addr || addr+n > s.Addr+s.Size {
			continue
		}
		b := make([]byte, n)
		if _, err := s.ReadAt(b, int64(addr-s.Addr)); err != nil {
			return nil, fmt.Errorf("%s at %#x: %w", s.Name, addr, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("no section holds %#x+%d", addr, n)
}

// statusConstantsFromSource evaluates the goroutine status const block of
// runtime2.go: "_Gidle = iota", implicit iota repeats, and sums such as
// "_Gscanrunnable = _Gscan + _Grunnable".
func statusConstantsFromSource(path string) (map[string]int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	decl := regexp.MustCompile(`^\s*(_G[a-z][a-z_]*)\b\s*(?:=\s*([^/]+?))?\s*(?://.*)?$`)
	out := map[string]int64{}
	inBlock, iota, iotaMode := false, int64(0), false
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "const ("):
			inBlock, iota, iotaMode = true, 0, false
			continue
		case inBlock && strings.HasPrefix(line, ")"):
			inBlock = false
			continue
		case !inBlock:
			continue
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "//") {
			continue
		}
		m := decl.FindStringSubmatch(line)
		if m == nil {
			iota++
			continue
		}
		name, expr := m[1], strings.TrimSpace(m[2])
		var v int64
		switch {
		case expr == "iota":
			iotaMode, v = true, iota
		case expr == "" && iotaMode:
			v = iota
		case expr == "":
			return nil, fmt.Errorf("%s: cannot evaluate %s", path, name)
		default:
			iotaMode = false
			for _, term := range strings.Split(expr, "+") {
				term = strings.TrimSpace(term)
				if n, err := strconv.ParseInt(term, 0, 64); err == nil {
					v += n
				} else if n, ok := out["runtime."+term]; ok {
					v += n
				} else {
					return nil, fmt.Errorf("%s: cannot evaluate %s = %s", path, name, expr)
				}
			}
		}
		out["runtime."+name] = v
		iota++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no _G* constants", path)
	}
	return out, nil
}
