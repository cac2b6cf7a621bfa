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
		go func() { _, err := LoadFiles(path, filepath.Join(dir, "none")); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want one line naming it and %q", path, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still reading after 5 s", path)
		}
	}
}
