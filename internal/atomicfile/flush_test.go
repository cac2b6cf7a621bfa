package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// Write puts its data into the temporary file once: no reserve of zeros is written (and
// flushed) before it, which a Prepare for data not yet at hand needs and Write does not. The
// temporary file of a Write is seen empty before its Commit.
func TestWriteWritesNoReserveFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	p, err := prepare(path, 4096, 0o600, false)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := p.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 0 {
		t.Fatalf("the temporary file holds %d bytes before the data", fi.Size())
	}
	if err := p.Commit([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "data" {
		t.Fatalf("file holds %q", b)
	}
	// Prepare, for a writer whose data comes later, writes its reserve.
	q, err := Prepare(path, 4096, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Abort()
	if fi, err := q.f.Stat(); err != nil || fi.Size() != 4096 {
		t.Fatalf("Prepare's temporary file: %v %v, want 4096 bytes", fi.Size(), err)
	}
}
