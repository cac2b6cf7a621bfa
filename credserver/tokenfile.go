package credserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/gofrs/flock"
)

// TokenFile is the file `serve` writes its token to, for a container to mount and read
// (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). The server that made it holds a shared lock on it
// for as long as it runs: the kernel releases the lock when the process ends, however it ends,
// so a file no process holds is one that a killed server (SIGKILL runs no code) left behind.
type TokenFile struct {
	Path    string
	created fs.FileInfo
	lock    *flock.Flock
}

// tokenRE is what NewToken makes: a file holding exactly this, with a token file's mode
// (ownerOnly), is a token file.
var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// CheckTokenFile is the absolute path of arg if a server could create its token file there,
// else one line saying why not: arg names a folder, its folder does not exist, or it exists —
// as the token file of a running server, as one left by a server that no longer runs, or as
// anything else. serve checks it before it gets credentials; CreateTokenFile checks again.
func CheckTokenFile(arg string) (string, error) {
	if strings.HasSuffix(arg, "/") || strings.HasSuffix(arg, string(filepath.Separator)) {
		return "", fmt.Errorf("serve: token file %s names a folder: name a new file in it", arg)
	}
	path, err := filepath.Abs(arg)
	if err != nil {
		return "", fmt.Errorf("serve: token file %s: %w", arg, err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("serve: token file %s: its folder %s does not exist", path, filepath.Dir(path))
	}
	if _, err := os.Lstat(path); err == nil {
		return "", existing(path)
	}
	return path, nil
}

// existing explains why the file at path is not made anew.
func existing(path string) error {
	fi, err := os.Lstat(path)
	if err == nil && fi.IsDir() {
		return fmt.Errorf("serve: token file %s is a folder: name a new file", path)
	}
	if err != nil || !fi.Mode().IsRegular() || !ownerOnly(fi) || fi.Size() != 43 {
		return fmt.Errorf("serve: token file %s exists: name a new file (mfacred creates it and removes it at exit)", path)
	}
	b, err := os.ReadFile(path)
	if err != nil || !tokenRE.Match(b) {
		return fmt.Errorf("serve: token file %s exists: name a new file (mfacred creates it and removes it at exit)", path)
	}
	l := flock.New(path, flock.SetFlag(os.O_RDONLY))
	free, err := l.TryLock()
	if err != nil {
		return fmt.Errorf("serve: token file %s exists: name a new file (mfacred creates it and removes it at exit)", path)
	}
	if !free {
		return fmt.Errorf("serve: token file %s is in use by a running mfacred serve: stop that one, or name a new file", path)
	}
	_ = l.Unlock()
	return fmt.Errorf("serve: token file %s was left by an mfacred serve that was killed (no running mfacred serve owns it): remove it and start again", path)
}

// ownerOnly says whether fi has the mode CreateTokenFile gives a token file: 0600 on Linux and
// macOS. On Windows it is always true: a file there has no such mode (Go shows only its
// read-only attribute, as 0444, else 0666, for every file), a new file gets the access list
// its folder passes on, and that list is what keeps the token file to its user.
func ownerOnly(fi fs.FileInfo) bool {
	return runtime.GOOS == "windows" || fi.Mode().Perm() == 0o600
}

// CreateTokenFile creates path, readable by the user alone (mode 0600; on Windows, as its
// folder's access list allows: ownerOnly), writes the token to it and locks it. It never
// writes through an existing file or symlink (O_EXCL refuses both, a dangling one too): the
// file is the server's own, so removing it removes nothing of anyone else's.
func CreateTokenFile(path, token string) (*TokenFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, existing(path)
	}
	if err != nil {
		return nil, fmt.Errorf("serve: create token file: %w", err)
	}
	_, err = f.WriteString(token)
	var fi fs.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	t := &TokenFile{Path: path, created: fi, lock: flock.New(path, flock.SetFlag(os.O_RDONLY))}
	if err == nil {
		var ok bool
		if ok, err = t.lock.TryRLock(); err == nil && !ok {
			err = errors.New("locked by another process")
		}
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("serve: write token file %s: %w", path, err)
	}
	return t, nil
}

// Remove removes the token file if it is still the one CreateTokenFile made.
func (t *TokenFile) Remove() {
	_ = t.lock.Close() // first: Windows removes no file that is open
	if fi, err := os.Lstat(t.Path); err == nil && os.SameFile(fi, t.created) {
		os.Remove(t.Path)
	}
}
