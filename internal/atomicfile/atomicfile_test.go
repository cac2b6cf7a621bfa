package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Write replaces the contents and mode, and leaves no temporary file behind, whether it
// succeeds or fails (here a folder stands where the file should be).
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if err != nil || string(b) != "new" || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("read back %q %v, mode %v", b, err, fi.Mode())
	}
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "folder"), []byte("x"), 0o600); err == nil {
		t.Fatal("replaced a folder")
	}
	if names, _ := os.ReadDir(dir); len(names) != 2 {
		t.Fatalf("left %d entries, want the file and the folder: %v", len(names), names)
	}
}

// A rename that fails while another process holds the file is tried again; one that keeps
// failing is an error, so that the caller knows nothing was written.
func TestReplaceRetries(t *testing.T) {
	denied := errors.New("The process cannot access the file because it is being used by another process.")
	calls := 0
	flaky := func(string, string) error {
		if calls++; calls < 3 {
			return denied
		}
		return nil
	}
	if err := replace(flaky, "a", "b", 5, time.Millisecond); err != nil || calls != 3 {
		t.Fatalf("flaky rename: %v after %d calls", err, calls)
	}
	calls = 0
	stuck := func(string, string) error { calls++; return denied }
	if err := replace(stuck, "a", "b", 5, time.Millisecond); !errors.Is(err, denied) || calls != 5 {
		t.Fatalf("stuck rename: %v after %d calls", err, calls)
	}
}

// A temporary file a killed writer left (SIGKILL between Prepare and Commit) is removed by
// the next Prepare once it is older than StaleAfter; a young one, perhaps a live writer's,
// and other files stay.
func TestPrepareRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	os.WriteFile(path, []byte("old"), 0o600)
	stale, young, other := filepath.Join(dir, ".f.json.tmp-1"), filepath.Join(dir, ".f.json.tmp-2"), filepath.Join(dir, ".g.json.tmp-3")
	for _, n := range []string{stale, young, other} {
		os.WriteFile(n, make([]byte, 10), 0o600)
	}
	old := time.Now().Add(-StaleAfter - time.Minute)
	os.Chtimes(stale, old, old)
	os.Chtimes(other, old, old)
	p, err := Prepare(path, 10, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Commit([]byte("new")); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{stale: false, young: true, other: true} {
		if _, err := os.Stat(n); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(n), err == nil, want)
		}
	}
}
