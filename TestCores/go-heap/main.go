// go-heap: core-dump fixture for `coreinspect heap` and `memstats`.
//
// Usage: TRUTH_PATH=truth.json READY_PATH=ready [DUMP=gcore|kernel] go-heap [-big]
//
// The program builds a heap of exactly counted live objects of its own
// types, reachable from globals, a goroutine stack, closures, interfaces,
// maps, channels, a sync.Pool and finalizer/cleanup specials. Then (dump.go):
//
//  1. runtime.GC() twice (each call also finishes sweeping);
//  2. fills the sync.Pool and makes a known amount of garbage;
//  3. runtime.ReadMemStats, then runtime.MemProfile into a preallocated slice;
//  4. formats the truth into a preallocated buffer (strconv.Append*), reads
//     MemStats again and exits with status 3 if Mallocs, Frees or HeapAlloc
//     moved (the dump script then retries);
//  5. writes the truth and the ready file with raw system calls, and parks.
//
// Nothing is allocated after the first ReadMemStats.
//
// How the counts in truth.json's "types" are derived: every counted object
// is allocated by this program, in build() or buildBig(), by exactly one
// statement per object (new, &T{}, make, a string conversion, a closure or
// an interface conversion); the counts are the loop bounds below, kept in
// the constants. No library allocates these program types, and every counted
// object stays reachable until the process dies. "bytes" is count × slot,
// the size class the allocator rounds the object to (slotSize), including
// the 8-byte malloc header of Go 1.22+ for objects over 512 B with pointers,
// so "bytes" is what HeapAlloc charges. Backing arrays are named "[cap]T" by
// the cap the program asked for; their slot may hold more elements.
package main

import (
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

const (
	nListSessions  = 1024 // main.sessions
	nMapSessions   = 256  // only in main.sessionByName
	nMapShared     = 512  // sessions[0:512] also in main.sessionByName
	nChanSessions  = 40   // only in the buffer of main.sessionCh
	nSessions      = nListSessions + nMapSessions + nChanSessions
	sessionChCap   = 64
	nEntryMap      = 2000 // main.entryByKey
	entryChCap     = 32   // main.entryCh, full
	nEntryArray    = 300  // main.entryArray: []main.Entry
	nQuads         = 50   // main.quads: []*[4]main.Entry
	nTiny          = 1000 // main.tinies: []*main.Tiny, 4-byte noscan (tiny allocator)
	nChunks        = 200  // main.chunks: []*main.Chunk, 1016 B with pointers (malloc header)
	nPages         = 100  // main.pages: []*main.Page, 2000 B noscan
	nArenas        = 4    // main.arenas: []*main.Arena, large with pointers
	nBlobs         = 3    // main.blobs: []*main.Blob, large noscan
	nBuffers       = 16   // main.buffers: [][]byte of bufferSize each
	bufferSize     = 5000 // not 4096: bufio and others allocate [4096]uint8
	nCounters      = 100  // main.counters: closures main.makeCounter.func1
	nShapes        = 128  // main.shapes: []main.Shape, half main.Circle, half *main.Session
	nCircles       = nShapes / 2
	nPoolItems     = 8  // main.itemPool
	nStackNodes    = 50 // main.Node list on main.stackHolder's stack only
	nGarbage       = 500
	nameLen        = 24 // every Session.Name is a fresh 24-byte string
	profileRecords = 1024

	nBigNodes = 3000000 // -big: main.BigNode in bigLists
	nBigLists = 1000
	nBigMap   = 200000 // -big: main.bigMap
)

// Session holds pointers; 40 B, slot 48.
type Session struct {
	ID    int64
	Name  string
	Peer  *Session
	Entry *Entry
}

// Entry has no pointers; 24 B, slot 24.
type Entry struct {
	Key   int64
	Value int64
	Flags uint32
}

// Tiny is a 4-byte noscan object: the tiny allocator packs four of them
// into one 16-byte block.
type Tiny struct{ a uint32 }

// Chunk has pointers and is over 512 B: 1016 B, + 8-byte malloc header
// (1.22+) = slot 1024.
type Chunk struct {
	Owner *Session
	Vals  [126]int64
}

// Page has no pointers and is over 512 B: 2000 B, slot 2048.
type Page struct{ Data [2000]byte }

// Arena is a large object with pointers: 40512 B, 5 pages.
type Arena struct {
	Owners [64]*Session
	Pad    [5000]int64
}

// Blob is a large noscan object: 100000 B, 13 pages.
type Blob struct{ Data [100000]byte }

// Circle is stored by value in an interface: 16 B noscan (not tiny), boxed.
type Circle struct{ R, X float64 }

// Node lives only on main.stackHolder's stack: 16 B with a pointer.
type Node struct {
	Next *Node
	Val  int64
}

// PoolItem sits in main.itemPool: 968 B noscan, slot 1024.
type PoolItem struct {
	ID   int64
	Data [120]int64
}

// Resource carries a finalizer, Handle a cleanup (1.24+).
type Resource struct {
	FD   int64
	Name string
}
type Handle struct{ FD, Gen int64 }

// Garbage is made after the last GC and dropped: 48 B with a pointer.
type Garbage struct {
	Next *Garbage
	Pad  [5]int64
}

// BigNode (-big only): 104 B with a pointer, slot 112.
type BigNode struct {
	Next *BigNode
	ID   int64
	Vals [11]int64
}

type Shape interface{ Area() float64 }

func (c Circle) Area() float64   { return 3 * c.R * c.R }
func (s *Session) Area() float64 { return float64(s.ID) }

var (
	sink int

	sessions      []*Session
	sessionByName map[string]*Session
	sessionCh     chan *Session
	entryByKey    map[int64]Entry
	entryCh       chan Entry
	entryArray    []Entry
	quads         []*[4]Entry
	tinies        []*Tiny
	chunks        []*Chunk
	pages         []*Page
	arenas        []*Arena
	blobs         []*Blob
	buffers       [][]byte
	counters      []func() int64
	shapes        []Shape
	itemPool      sync.Pool
	poolStage     [nPoolItems]*PoolItem // emptied into itemPool after the last GC
	poolAddrs     [nPoolItems]uintptr
	finalized     *Resource
	handle        *Handle
	hasCleanup    bool

	bigLists []*BigNode
	bigMap   map[int64]*BigNode

	garbageAddrs [nGarbage]uintptr // where the garbage was; uintptrs keep nothing alive
	stackHead    uintptr           // address of the first Node on stackHolder's stack
	stackReady   = make(chan struct{})
	stackRelease = make(chan struct{}) // never closed
)

// makeCounter returns a closure capturing s and n by value: its context is
// one 24-byte object with a pointer (struct { F uintptr; s *Session; n int64 }).
//
//go:noinline
func makeCounter(s *Session, n int64) func() int64 {
	return func() int64 { return s.ID + n }
}

// name returns a fresh 24-byte string (one noscan allocation of 24 B).
//
//go:noinline
func name(prefix byte, i int) string {
	var b [nameLen]byte
	for j := range b {
		b[j] = '0'
	}
	b[0] = prefix
	v := i
	for j := nameLen - 1; j > 0 && v > 0; j-- {
		b[j] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:])
}

//go:noinline
func newSession(id int64, prefix byte) *Session {
	return &Session{ID: id, Name: name(prefix, int(id)), Entry: &Entry{Key: id, Value: -id, Flags: 1}}
}

//go:noinline
func newNode(next *Node, v int64) *Node { return &Node{Next: next, Val: v} }

// stackHolder keeps a Node list that only its own stack references.
//
//go:noinline
func stackHolder() {
	var head *Node
	for i := 0; i < nStackNodes; i++ {
		head = newNode(head, int64(i))
	}
	stackHead = uintptr(unsafe.Pointer(head))
	close(stackReady)
	<-stackRelease
	runtime.KeepAlive(head)
}

// sleeper keeps a timer pending: with every goroutine blocked on channels
// and no timer, the runtime would report a deadlock and exit.
//
//go:noinline
func sleeper() {
	time.Sleep(100000 * time.Hour)
}

//go:noinline
func finalizeResource(r *Resource) { sink += int(r.FD) }

func build() {
	sessions = make([]*Session, nListSessions)
	for i := range sessions {
		sessions[i] = newSession(int64(i), 's')
	}
	for i := range sessions {
		sessions[i].Peer = sessions[(i+1)%len(sessions)]
	}
	sessionByName = make(map[string]*Session)
	for i := 0; i < nMapShared; i++ {
		sessionByName[sessions[i].Name] = sessions[i]
	}
	for i := 0; i < nMapSessions; i++ {
		s := newSession(int64(100000+i), 'm')
		sessionByName[s.Name] = s
	}
	sessionCh = make(chan *Session, sessionChCap)
	for i := 0; i < nChanSessions; i++ {
		sessionCh <- newSession(int64(200000+i), 'c')
	}

	entryByKey = make(map[int64]Entry)
	for i := 0; i < nEntryMap; i++ {
		entryByKey[int64(i)*7] = Entry{Key: int64(i) * 7, Value: int64(i), Flags: 2}
	}
	entryCh = make(chan Entry, entryChCap)
	for i := 0; i < entryChCap; i++ {
		entryCh <- Entry{Key: int64(i), Value: 1, Flags: 3}
	}
	entryArray = make([]Entry, nEntryArray)
	for i := range entryArray {
		entryArray[i] = Entry{Key: int64(i), Value: 2, Flags: 4}
	}
	quads = make([]*[4]Entry, nQuads)
	for i := range quads {
		quads[i] = new([4]Entry)
		quads[i][0].Key = int64(i)
	}
	tinies = make([]*Tiny, nTiny)
	for i := range tinies {
		tinies[i] = &Tiny{a: uint32(i) + 1}
	}
	chunks = make([]*Chunk, nChunks)
	for i := range chunks {
		chunks[i] = &Chunk{Owner: sessions[i]}
	}
	pages = make([]*Page, nPages)
	for i := range pages {
		pages[i] = new(Page)
		pages[i].Data[0] = byte(i)
	}
	arenas = make([]*Arena, nArenas)
	for i := range arenas {
		arenas[i] = new(Arena)
		for j := range arenas[i].Owners {
			arenas[i].Owners[j] = sessions[i*64+j]
		}
	}
	blobs = make([]*Blob, nBlobs)
	for i := range blobs {
		blobs[i] = new(Blob)
		blobs[i].Data[0] = byte(i)
	}
	buffers = make([][]byte, nBuffers)
	for i := range buffers {
		buffers[i] = make([]byte, bufferSize)
		buffers[i][0] = byte(i)
	}
	counters = make([]func() int64, nCounters)
	for i := range counters {
		counters[i] = makeCounter(sessions[i], int64(i))
	}
	shapes = make([]Shape, nShapes)
	for i := 0; i < nCircles; i++ {
		shapes[i] = Circle{R: float64(i) + 1, X: 0.5}
	}
	for i := nCircles; i < nShapes; i++ {
		shapes[i] = sessions[512+i]
	}
	for i := range poolStage {
		poolStage[i] = &PoolItem{ID: int64(i) + 1}
		poolAddrs[i] = uintptr(unsafe.Pointer(poolStage[i]))
	}
	finalized = &Resource{FD: 7, Name: name('r', 7)}
	runtime.SetFinalizer(finalized, finalizeResource)
	handle = &Handle{FD: 9, Gen: 1}
	hasCleanup = attachCleanup(handle)
}

// buildBig adds about 350 MB: nBigNodes BigNodes in nBigLists lists, and a
// map of nBigMap of them.
func buildBig() {
	bigLists = make([]*BigNode, nBigLists)
	for i := 0; i < nBigNodes; i++ {
		l := i % nBigLists
		bigLists[l] = &BigNode{Next: bigLists[l], ID: int64(i)}
	}
	bigMap = make(map[int64]*BigNode)
	for _, n := range bigLists {
		for k := 0; k < nBigMap/nBigLists; k++ {
			bigMap[n.ID] = n
			n = n.Next
		}
	}
}

// makeGarbage allocates nGarbage Garbage objects and drops them. It runs on
// the main goroutine after the last GC; its frame is popped before the
// measurement, so no live frame points at them.
//
//go:noinline
func makeGarbage() {
	for i := 0; i < nGarbage; i++ {
		g := newGarbage(int64(i))
		sink += int(g.Pad[0])
		garbageAddrs[i] = uintptr(unsafe.Pointer(g))
	}
}

//go:noinline
func newGarbage(v int64) *Garbage { return &Garbage{Pad: [5]int64{v}} }

func main() {
	big := len(os.Args) > 1 && os.Args[1] == "-big" || os.Getenv("GOHEAP_BIG") == "1"
	if !big {
		// Every allocation from here on is sampled: the profile's counts are
		// exact for the program's own allocations. The heap is small (about
		// 20,000 objects), so the cost (a stack walk per allocation and one
		// profile special per live object) is negligible. Allocations made
		// during runtime and package initialization ran at the default rate.
		runtime.MemProfileRate = 1
	}
	build()
	if big {
		buildBig()
	}
	go stackHolder()
	go sleeper()
	<-stackReady
	dump(big)
}
