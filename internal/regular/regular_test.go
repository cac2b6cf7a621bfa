package regular

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A regular file is read whole, also through a link; a missing one is fs.ErrNotExist; one
// over the limit is ErrTooLarge, named with the limit.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(path, 5); err != nil || string(b) != "hello" {
		t.Fatalf("Read = %q, %v", b, err)
	}
	if runtime.GOOS != "windows" {
		link := filepath.Join(dir, "link")
		if err := os.Symlink(path, link); err != nil {
			t.Fatal(err)
		}
		if b, err := Read(link, 5); err != nil || string(b) != "hello" {
			t.Fatalf("Read through a link = %q, %v", b, err)
		}
	}
	if _, err := Read(filepath.Join(dir, "none"), 5); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte("a"), 3<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, 2<<10); !errors.Is(err, ErrTooLarge) || err.Error() != "larger than the 2 KiB mfacred reads" {
		t.Fatalf("huge file: %v", err)
	}
	if _, err := Read(path, 16<<20); err != nil {
		t.Fatalf("under a MiB limit: %v", err)
	}
	if _, err := Read(dir, 1<<10); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "a directory") {
		t.Fatalf("folder: %v", err)
	}
}
