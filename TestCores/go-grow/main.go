// go-grow: core-dump fixture for `coreinspect diff`: one process dumped twice.
//
// Usage: TRUTH_PATH=old.truth.json READY_PATH=ready NEXT_PATH=next
//        TRUTH_PATH2=new.truth.json READY_PATH2=ready2 go-grow
//
//  1. builds the first state (stage 1 below), starts its blocked goroutines,
//     measures (measure.go) and writes TRUTH_PATH, then READY_PATH, and waits
//     until NEXT_PATH exists: the script dumps the old core meanwhile;
//  2. grows every container (stage 2), leaks more goroutines, some of them
//     in a new function, measures again, writes TRUTH_PATH2 and READY_PATH2,
//     and parks: the script dumps the new core.
//
// Every counted object is allocated by one statement of this program, in one
// function per kind of object (newItem, newRecord, newBuffer), so that each
// is one allocation site of the memory profile; MemProfileRate is 1, so the
// profile's counts are exact. Growing a slice allocates a new backing array
// of exactly the length asked and drops the old one, which the measurement's
// GC frees: the old core holds "[n1]*main.Item", the new one "[n2]*main.Item".
package main

import (
	"runtime"
	"sync"
	"time"
)

// Item holds pointers: 56 B, slot 64.
type Item struct {
	ID      int64
	Next    *Item
	Record  *Record
	Payload [4]int64
}

// Record has no pointers: 32 B, slot 32 (above the tiny allocator's 16 B).
type Record struct {
	Key, Value, Seen, Flags int64
}

// bufferSize is no size any library here allocates (bufio uses 4096).
const bufferSize = 6000

type stage struct {
	items, records, buffers int
	waiters, lockers        int // goroutines blocked in main.leakyWaiter and main.leakyLocker
}

var stages = [2]stage{
	{items: 1000, records: 300, buffers: 8, waiters: 20, lockers: 0},
	{items: 2500, records: 1100, buffers: 20, waiters: 70, lockers: 15},
}

var (
	items   []*Item
	records map[int64]*Record
	buffers [][]byte

	// stuck is never sent to and held is never unlocked: every goroutine
	// started on them is a goroutine leak.
	stuck   = make(chan int)
	held    sync.Mutex
	blocked sync.WaitGroup
)

//go:noinline
func newItem(id int64, next *Item) *Item { return &Item{ID: id, Next: next} }

//go:noinline
func newRecord(key int64) *Record { return &Record{Key: key, Value: -key} }

//go:noinline
func newBuffer(i int) []byte {
	b := make([]byte, bufferSize)
	b[0] = byte(i)
	return b
}

//go:noinline
func leakyWaiter() {
	blocked.Done()
	<-stuck
}

//go:noinline
func leakyLocker() {
	blocked.Done()
	held.Lock()
}

// grow brings every container to the stage's size. Slices get a new backing
// array of exactly the new length; the old one becomes garbage.
func grow(s stage) {
	grown := make([]*Item, s.items)
	copy(grown, items)
	for i := len(items); i < s.items; i++ {
		var prev *Item
		if i > 0 {
			prev = grown[i-1]
		}
		grown[i] = newItem(int64(i), prev)
	}
	items = grown
	for i := len(records); i < s.records; i++ {
		r := newRecord(int64(i))
		records[int64(i)] = r
		items[i%len(items)].Record = r
	}
	more := make([][]byte, s.buffers)
	copy(more, buffers)
	for i := len(buffers); i < s.buffers; i++ {
		more[i] = newBuffer(i)
	}
	buffers = more
}

func startGoroutines(from, to stage) {
	blocked.Add(to.waiters - from.waiters + to.lockers - from.lockers)
	for i := from.waiters; i < to.waiters; i++ {
		go leakyWaiter()
	}
	for i := from.lockers; i < to.lockers; i++ {
		go leakyLocker()
	}
	blocked.Wait()
}

func main() {
	// Every allocation from here on is sampled: the profile's counts are exact.
	runtime.MemProfileRate = 1
	held.Lock()
	records = make(map[int64]*Record)
	prepare()
	var none stage
	grow(stages[0])
	startGoroutines(none, stages[0])
	measure(0)
	grow(stages[1])
	startGoroutines(stages[0], stages[1])
	measure(1)
	// A pending timer, not select{}: with every goroutine blocked on a
	// channel or a mutex and no timer, the runtime would report a deadlock.
	time.Sleep(100000 * time.Hour)
}
