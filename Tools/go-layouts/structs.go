package main

import (
	"debug/dwarf"
	"fmt"
	"sort"
	"strings"
)

// structNames lists every runtime structure coreinspect reads, under each
// name any supported release gives it (Go 1.21 moved the type descriptors
// from runtime._type to internal/abi.Type; 1.24 moved maps to
// internal/runtime/maps). A name the binary lacks is reported under
// "missing". Nested structures that a reader descends into by path
// (g.sched.pc, mspan.state.s) are listed too, so that a table can resolve
// the same paths as DWARF.
var structNames = []string{
	// Goroutines and the scheduler.
	"runtime.g", "runtime.gobuf", "runtime.stack", "runtime.m", "runtime.p", "runtime.schedt",
	// The heap.
	"runtime.mheap", "runtime.heapArena", "runtime.mspan", "runtime.mSpanStateBox", "runtime.mcache",
	"runtime.special", "runtime.specialfinalizer", "runtime.specialprofile",
	"runtime.gcControllerState",
	// MemStats: the runtime's statistics and the allocators whose in-use bytes it reports.
	"runtime.mstats", "runtime.consistentHeapStats", "runtime.heapStatsDelta", "runtime.fixalloc",
	// The module table.
	"runtime.moduledata",
	// Type descriptors, 1.21 on.
	"internal/abi.Type", "internal/abi.UncommonType", "internal/abi.StructType", "internal/abi.StructField",
	"internal/abi.PtrType", "internal/abi.SliceType", "internal/abi.ArrayType",
	"internal/abi.MapType", "internal/abi.OldMapType", "internal/abi.SwissMapType", "internal/abi.Name",
	"internal/abi.ChanType", "internal/abi.FuncType", "internal/abi.InterfaceType", "internal/abi.Imethod",
	"internal/abi.ITab",
	// Type descriptors, before 1.21.
	"runtime._type", "runtime.uncommontype", "runtime.structtype", "runtime.structfield",
	"runtime.ptrtype", "runtime.slicetype", "runtime.arraytype", "runtime.maptype", "runtime.name",
	"runtime.chantype", "runtime.functype", "runtime.interfacetype", "runtime.imethod", "runtime.itab",
	// Maps: Swiss tables from 1.24, bucket maps before.
	"internal/runtime/maps.Map", "internal/runtime/maps.table", "internal/runtime/maps.groupsReference",
	"runtime.hmap", "runtime.bmap", "runtime.mapextra",
	// The memory profile.
	"runtime.bucket", "runtime.memRecord", "runtime.memRecordCycle",
}

// structLayout is one structure with its direct members, in DWARF order.
type structLayout struct {
	Name   string        `json:"name"`
	Size   int64         `json:"size"`
	Fields []fieldLayout `json:"fields"`
}

// fieldLayout is one member: where it is, how big, and what it holds.
//
// Kinds: "integer" (any base type: integers, booleans, floats), "pointer"
// (pointers, unsafe.Pointer, and the pointer-shaped map, chan and func
// types), "array" (Count elements of ElementSize bytes), "struct" (Type
// names it; Go's strings, slices and interfaces are structs named "string",
// "[]T" and "runtime.iface"/"runtime.eface").
type fieldLayout struct {
	Name        string `json:"name"`
	Offset      int64  `json:"offset"`
	Size        int64  `json:"size"`
	Kind        string `json:"kind"`
	Count       int64  `json:"count,omitempty"`
	ElementSize int64  `json:"elementSize,omitempty"`
	Type        string `json:"type,omitempty"`
}

func structLayouts(d *dwarf.Data, idx *dwarfIndex) ([]structLayout, []string, error) {
	var layouts []structLayout
	var missing []string
	for _, name := range structNames {
		if _, ok := idx.types[name]; !ok {
			missing = append(missing, name)
			continue
		}
		layout, err := layoutOf(d, idx, name)
		if err != nil {
			return nil, nil, err
		}
		layouts = append(layouts, layout)
	}
	// The runtime's atomic wrappers (atomic.Uint32 around a uint32) are read
	// as the value they wrap, which a reader can tell only from their layout.
	seen := map[string]bool{}
	for _, l := range layouts {
		seen[l.Name] = true
	}
	for i := 0; i < len(layouts); i++ {
		for _, field := range layouts[i].Fields {
			if field.Kind != "struct" || seen[field.Type] || !isAtomicWrapper(field.Type) {
				continue
			}
			seen[field.Type] = true
			wrapper, err := layoutOf(d, idx, field.Type)
			if err != nil {
				return nil, nil, err
			}
			layouts = append(layouts, wrapper)
		}
	}
	sort.Slice(layouts, func(i, j int) bool { return layouts[i].Name < layouts[j].Name })
	return layouts, missing, nil
}

func layoutOf(d *dwarf.Data, idx *dwarfIndex, name string) (structLayout, error) {
	st, err := idx.structType(d, name)
	if err != nil {
		return structLayout{}, err
	}
	layout := structLayout{Name: name, Size: st.ByteSize, Fields: []fieldLayout{}}
	for _, member := range st.Field {
		field, err := describe(member)
		if err != nil {
			return structLayout{}, fmt.Errorf("%s.%s: %w", name, member.Name, err)
		}
		layout.Fields = append(layout.Fields, field)
	}
	return layout, nil
}

// isAtomicWrapper tells the runtime's atomic types (runtime/internal/atomic
// before 1.22, internal/runtime/atomic since; sync/atomic) by their package.
func isAtomicWrapper(name string) bool {
	return strings.HasPrefix(name, "runtime/internal/atomic.") || strings.HasPrefix(name, "internal/runtime/atomic.") ||
		strings.HasPrefix(name, "sync/atomic.")
}

func describe(member *dwarf.StructField) (fieldLayout, error) {
	field := fieldLayout{Name: member.Name, Offset: member.ByteOffset, Size: member.Type.Size()}
	switch t := underlying(member.Type).(type) {
	case *dwarf.PtrType, *dwarf.FuncType:
		field.Kind = "pointer"
	case *dwarf.ArrayType:
		field.Kind = "array"
		field.Count = t.Count
		field.ElementSize = t.Type.Size()
		if t.Count < 0 {
			return field, fmt.Errorf("array without a count")
		}
	case *dwarf.StructType:
		field.Kind = "struct"
		field.Type = t.StructName
	case *dwarf.IntType, *dwarf.UintType, *dwarf.BoolType, *dwarf.FloatType, *dwarf.ComplexType,
		*dwarf.CharType, *dwarf.UcharType, *dwarf.AddrType:
		field.Kind = "integer"
	default:
		return field, fmt.Errorf("unexpected type %T (%s)", t, t)
	}
	if field.Size < 0 {
		return field, fmt.Errorf("no size")
	}
	return field, nil
}

func underlying(t dwarf.Type) dwarf.Type {
	for {
		switch td := t.(type) {
		case *dwarf.TypedefType:
			t = td.Type
		case *dwarf.QualType:
			t = td.Type
		default:
			return t
		}
	}
}
