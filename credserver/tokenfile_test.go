package credserver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// symlink makes link point to target and says whether it did. On Linux and macOS it must. On
// Windows making one takes Developer Mode or an administrator, and Wine 8's
// CreateSymbolicLinkW answers success but makes nothing (docs/windows.md): there the test logs
// that its symlink cases did not run (on Windows they are for a real Windows run to show).
func symlink(t *testing.T, target, link string) bool {
	t.Helper()
	err := os.Symlink(target, link)
	if err == nil {
		var fi fs.FileInfo
		if fi, err = os.Lstat(link); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
			err = errors.New("not a symlink")
		}
	}
	if err == nil {
		return true
	}
	if runtime.GOOS != "windows" {
		t.Fatalf("symlink %s: %v", link, err)
	}
	t.Logf("NOT RUN: the case of the symlink %s: none could be made here (%v)", link, err)
	return false
}

// serve --token-file writes only a file it creates: an existing file, or a symlink to one, is
// refused with one line naming it and left as it was.
func TestCreateTokenFileCreatesOnly(t *testing.T) {
	const token = "secret-token-value-secret-token-value-12345" // 43 characters, as NewToken's
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{existing}
	link := filepath.Join(dir, "link")
	if symlink(t, existing, link) {
		paths = append(paths, link)
	}
	dangling := filepath.Join(dir, "dangling")
	if symlink(t, filepath.Join(dir, "nowhere"), dangling) {
		paths = append(paths, dangling)
	}
	for _, path := range paths {
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
	// Owner-only on Linux and macOS. On Windows Go shows a file's read-only attribute alone, as
	// 0444, else 0666: the token file is a plain file, and who may read it is for its folder's
	// access list to say (ownerOnly in tokenfile.go).
	want := fs.FileMode(0o600)
	if runtime.GOOS == "windows" {
		want = 0o666
	}
	if fi, err := os.Stat(fresh); err != nil {
		t.Errorf("new token file: %v", err)
	} else if fi.Mode() != want {
		t.Errorf("new token file: mode %v, want %v", fi.Mode(), want)
	}
	// Replaced meanwhile: not removed at exit. On Windows nothing can replace it while the
	// server runs: the server holds it open for its lock, Go opens files without
	// FILE_SHARE_DELETE, and Windows renames over (or removes) no file open so. The rename is
	// refused, the file is still the server's, and Remove removes it.
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = os.Rename(other, fresh)
	if runtime.GOOS == "windows" {
		if !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("renaming over a token file its server holds: %v, want access denied", err)
		}
		tf.Remove()
		if _, err := os.Stat(fresh); !os.IsNotExist(err) {
			t.Errorf("its own token file left behind: %v", err)
		}
	} else {
		if err != nil {
			t.Fatal(err)
		}
		tf.Remove()
		if _, err := os.Stat(fresh); err != nil {
			t.Errorf("removed a file it did not create: %v", err)
		}
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
