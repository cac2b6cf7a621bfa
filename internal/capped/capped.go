// Package capped is a buffer for the output of a command mfacred runs (mfa_process, macOS's
// security): it keeps the first Max bytes written to it and notes whether more came. A write
// never fails and never blocks, so the command is never stopped on a full pipe, and a command
// that prints without end costs no more memory than Max.
package capped

import "sync"

// Buffer keeps the first max bytes written to it. It is safe for concurrent use.
type Buffer struct {
	mu   sync.Mutex
	b    []byte
	max  int
	over bool
}

// New returns a buffer that keeps at most max bytes.
func New(max int) *Buffer { return &Buffer{max: max} }

// Write keeps what fits and drops the rest, noting that it came; it always reports all of p
// written.
func (c *Buffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.max - len(c.b)
	if len(p) > room {
		c.b, c.over = append(c.b, p[:max(room, 0)]...), true
		return len(p), nil
	}
	c.b = append(c.b, p...)
	return len(p), nil
}

// Bytes is what was kept: the first max bytes written.
func (c *Buffer) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.b...)
}

// Len is how many bytes were kept.
func (c *Buffer) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.b)
}

// Over reports whether more than max bytes were written.
func (c *Buffer) Over() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.over
}
