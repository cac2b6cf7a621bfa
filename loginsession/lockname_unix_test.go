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
	if a, b := realPath(path), realPath(filepath.Join(link, "token.json")); a != b || a != real {
		t.Fatalf("the file is %q and %q, want both %s (one lock: \"login|\" and it)", a, b, real)
	}
	if got := realPath(filepath.Join(dir, "none.json")); got != filepath.Join(dir, "none.json") {
		t.Fatalf("a missing file: %q", got)
	}
}
