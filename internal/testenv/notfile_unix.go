//go:build unix

package testenv

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// NotFiles makes, in a new folder, the paths a reader of the AWS files must refuse at once
// rather than read: a fifo (a read waits for a writer forever), /dev/zero behind a symlink
// (never ends), the folder itself, and a file one byte over max. Each maps to the words the
// refusal names it by in awsconfig ("a fifo", "a character device", "a directory", "larger
// than").
func NotFiles(t *testing.T, max int64) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if f, err := os.Create(big); err != nil || f.Truncate(max+1) != nil || f.Close() != nil {
		t.Fatalf("%s: %v", big, err)
	}
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	return map[string]string{fifo: "a fifo", zero: "a character device", dir: "a directory", big: "larger than"}
}

// refuseWithin is "at once" for a refusal that is a stat, well under a second; the other
// second is margin for a loaded 2-core machine running other tests (a goroutine or a process
// start may wait that long for a core), not time the check may take.
const refuseWithin = 2 * time.Second

// AtOnce runs read and returns its error, failing the test if it has not returned within
// refuseWithin: a refused path must not hang the reader.
func AtOnce(t *testing.T, path string, read func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- read() }()
	select {
	case err := <-done:
		return err
	case <-time.After(refuseWithin):
		t.Fatalf("%s: still reading after %s", path, refuseWithin)
		return nil
	}
}
