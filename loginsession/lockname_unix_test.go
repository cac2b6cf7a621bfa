//go:build unix

package loginsession

import (
	"os"
	"path/filepath"
	"testing"
)

// One token file has one lock, whatever spelling of its folder reaches it.
func TestLockNameIsTheFilesWhereItIs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(path)
	if a, b := lockName(path), lockName(filepath.Join(link, "token.json")); a != b || a != "login|"+real {
		t.Fatalf("lock names %q and %q, want both login|%s", a, b, real)
	}
	if got := lockName(filepath.Join(dir, "none.json")); got != "login|"+filepath.Join(dir, "none.json") {
		t.Fatalf("a missing file's lock: %q", got)
	}
}
