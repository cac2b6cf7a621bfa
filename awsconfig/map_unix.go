//go:build unix

package awsconfig

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f read-only and private. It is never unmapped: only the
// fast path maps, and it exits within milliseconds. Reading a large file into the heap costs
// a page fault for each of its pages in a new process — about 20 ms for 5 MB here — where the
// page cache maps them in a few faults (README, Performance).
//
// A file another program truncates while it is mapped makes reading past its new end fault
// (SIGBUS): the caller must turn faults into panics and recover (fastpath.request).
func mapFile(f *os.File, size int64) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
}

const canMap = true
