//go:build !go1.24

package main

// attachCleanup: runtime.AddCleanup exists from Go 1.24 only; the Handle is
// then a plain live object.
func attachCleanup(h *Handle) bool { return false }
