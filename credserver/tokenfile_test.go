package credserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve --token-file writes only a file it creates: an existing file, or a symlink to one, is
// refused with one line naming it and left as it was.
func TestCreateTokenFileCreatesOnly(t *testing.T) {
	const token = "secret-token-value-secret-token-value-12345" // 43 characters, as NewToken's
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(existing, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{existing, link, dangling} {
		_, err := CreateTokenFile(path, token)
		if err == nil || !strings.Contains(err.Error(), path+" exists") || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), token) {
			t.Errorf("CreateTokenFile(%s) = %v, want one line refusing, naming the file", path, err)
		}
	}
	if b, err := os.ReadFile(existing); err != nil || string(b) != "keep me" {
		t.Errorf("the existing file now holds %q (%v)", b, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Errorf("a dangling symlink's target was created: %v", err)
	}
	fresh := filepath.Join(dir, "fresh")
	tf, err := CreateTokenFile(fresh, token)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new token file: %v, mode %v", err, fi.Mode())
	}
	// Replaced meanwhile: not removed at exit.
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, fresh); err != nil {
		t.Fatal(err)
	}
	tf.Remove()
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("removed a file it did not create: %v", err)
	}
	again := filepath.Join(dir, "again")
	if tf, err = CreateTokenFile(again, token); err != nil {
		t.Fatal(err)
	}
	tf.Remove()
	if _, err := os.Stat(again); !os.IsNotExist(err) {
		t.Errorf("its own token file left behind: %v", err)
	}
}

// A token file is told apart by who holds it: one of a live server (here, this process's lock)
// is in use; the same file with no holder was left by a killed server, and the error says to
// remove it. A folder name and a missing folder are refused before anything is made.
func TestCheckTokenFile(t *testing.T) {
	dir := t.TempDir()
	token, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "token")
	tf, err := CreateTokenFile(path, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckTokenFile(path); err == nil || !strings.Contains(err.Error(), "in use by a running mfacred serve") {
		t.Errorf("a live server's token file: %v", err)
	}
	_ = tf.lock.Close() // as the kernel does when the server is killed
	if _, err := CheckTokenFile(path); err == nil || !strings.Contains(err.Error(), "no running mfacred serve owns it") || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("a killed server's token file: %v", err)
	}
	if _, err := CreateTokenFile(path, token); err == nil || !strings.Contains(err.Error(), "no running mfacred serve owns it") {
		t.Errorf("creating over a killed server's token file: %v", err)
	}
	for arg, want := range map[string]string{
		filepath.Join(dir, "sub") + "/":        "names a folder",
		filepath.Join(dir, "missing", "token"): "its folder " + filepath.Join(dir, "missing") + " does not exist",
		dir:                                    "is a folder",
		filepath.Join(dir, "new"):              "",
		filepath.Join(dir, "sub", "..", "new-token"): "",
	} {
		got, err := CheckTokenFile(arg)
		if want == "" {
			if err != nil || !filepath.IsAbs(got) {
				t.Errorf("CheckTokenFile(%s) = %q, %v", arg, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckTokenFile(%s) = %v, want %q", arg, err, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "sub")); !os.IsNotExist(err) {
		t.Errorf("--token-file sub/ made %v", err)
	}
}
