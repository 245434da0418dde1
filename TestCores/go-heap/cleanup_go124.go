//go:build go1.24

package main

import "runtime"

// cleanupHandle is runtime.AddCleanup's callback; it never runs because
// handle stays reachable.
func cleanupHandle(fd int64) { sink += int(fd) }

// attachCleanup registers a cleanup on h (Go 1.24+). runtime.AddCleanup
// heap-allocates a closure of its own (func() { cleanup(arg) }), a runtime
// object the truth does not count.
func attachCleanup(h *Handle) bool {
	runtime.AddCleanup(h, cleanupHandle, int64(42))
	return true
}
