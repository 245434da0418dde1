// Command go-layouts reads the Go runtime's structure layouts and constants
// from the DWARF of one Go executable and prints them as JSON.
//
//	go-layouts [-goroot DIR] BINARY
//
// Tools/make-go-layouts runs it on a probe program built with each Go release
// and turns the results into Sources/GoRuntime/Layouts/Releases/GoReleaseTable1_*.swift.
// On its own it is handy for comparing a fixture binary with the tables.
//
// Output fields:
//
//	release          Go version from the build info ("go1.23.9")
//	structs          every structure of structNames the binary has: name, size, and
//	                 each direct member's name, offset, size and kind
//	constants        "runtime._Grunning": value (see wantedConstant)
//	constantsSource  "dwarf", or "dwarf+runtime2.go" when -goroot filled gaps
//	missing          structures of structNames the binary does not have
package main

import (
	"debug/buildinfo"
	"debug/dwarf"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

type result struct {
	Release         string           `json:"release"`
	Structs         []structLayout   `json:"structs"`
	Constants       map[string]int64 `json:"constants"`
	ConstantsSource string           `json:"constantsSource"`
	Missing         []string         `json:"missing"`
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
	res := &result{Release: bi.GoVersion, Constants: idx.constants}
	if res.Structs, res.Missing, err = structLayouts(d, idx); err != nil {
		return nil, err
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
	return res, nil
}

// dwarfIndex holds what one pass over the DWARF entries finds.
type dwarfIndex struct {
	types     map[string]dwarf.Offset // struct type name -> entry offset
	constants map[string]int64        // wanted constant -> value
}

func index(d *dwarf.Data) (*dwarfIndex, error) {
	idx := &dwarfIndex{types: map[string]dwarf.Offset{}, constants: map[string]int64{}}
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
		case dwarf.TagConstant:
			if wantedConstant.MatchString(name) {
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
