//go:build unix

package awsconfig

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// refuseWithin is "at once" for a refused config file: the refusal is a stat, well under 1 s;
// the other second is margin for a loaded 2-core machine running other tests (a goroutine or
// a process start may wait that long for a core), not time the check may take.
const refuseWithin = 2 * time.Second

// A config that is not a regular file, or is too large, is refused at once with one line
// that names it: a fifo must not hang, /dev/zero must not fill the memory.
func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:        "not a regular file (a fifo)",
		"/dev/zero": "not a regular file (a character device)",
		dir:         "not a regular file (a directory)",
		big:         "larger than the 16 MiB mfacred reads",
	} {
		done := make(chan error, 1)
		start := time.Now()
		go func() { _, err := LoadFiles(path, filepath.Join(dir, "none")); done <- err }()
		select {
		case err := <-done:
			t.Logf("%s: refused after %s", path, time.Since(start))
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want one line naming it and %q", path, err, want)
			}
		case <-time.After(refuseWithin):
			t.Fatalf("%s: still reading after %s", path, refuseWithin)
		}
	}
}
