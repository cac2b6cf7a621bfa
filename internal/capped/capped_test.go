package capped

import (
	"strings"
	"testing"
)

// What fits is kept, the rest dropped and noted, and every write reports all of its bytes
// written, so that a command's output is always drained.
func TestBuffer(t *testing.T) {
	c := New(8)
	for _, w := range []string{"12345", "678", "9abc", "d"} {
		if n, err := c.Write([]byte(w)); n != len(w) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", w, n, err)
		}
	}
	if got := string(c.Bytes()); got != "12345678" || c.Len() != 8 || !c.Over() {
		t.Fatalf("kept %q (%d), over %v", got, c.Len(), c.Over())
	}
	exact := New(4)
	exact.Write([]byte(strings.Repeat("x", 4)))
	if exact.Over() || exact.Len() != 4 {
		t.Fatalf("exactly max bytes: over %v, len %d", exact.Over(), exact.Len())
	}
}
