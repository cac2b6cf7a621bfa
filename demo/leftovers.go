package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/keyring"
)

// ownerFile is the file in a demo's folder that names its keyring namespace and keyring, and
// lockFile the one beside it that the demo locks for as long as it runs. The kernel releases
// the lock when the demo ends, however it ends, so an owner file whose lock file no process
// holds is one a killed demo left. They are two files because on Windows a lock is mandatory:
// while one handle holds a file's lock (gofrs/flock locks its first byte with LockFileEx), no
// other handle, not even the holder's own second one, may read or write that byte, so the
// holder could not write the file it locks nor the next demo read it.
const (
	ownerFile = "owner"
	lockFile  = "owner.lock"
)

// own locks the lock file of the demo in dir, then writes its owner file: Close releases the
// lock. The owner file exists only once the lock is held, so a starting demo is never taken
// for a leftover; nor is a demo killed before its owner file was written whole (leftover takes
// no owner file but one of two lines it can use).
func own(dir, ns string, kr keyring.Keyring) (io.Closer, error) {
	lockPath := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("make demo lock file: %w", err)
	}
	f.Close()
	l := flock.New(lockPath, flock.SetFlag(os.O_RDWR))
	if ok, err := l.TryLock(); err != nil || !ok {
		return nil, fmt.Errorf("lock demo lock file %s: %v", lockPath, err)
	}
	path := filepath.Join(dir, ownerFile)
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, err = f.WriteString(ns + "\n" + keyringChoice(kr) + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("write demo owner file: %w", err)
	}
	return l, nil
}

// removeLeftovers removes the folder, lock folder and keyring namespace of every demo of this
// user whose lock file no process holds, and says what it removed. What it cannot remove it
// leaves for the next demo.
func removeLeftovers(ctx context.Context, out io.Writer) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "mfacred-demo-*"))
	for _, dir := range dirs {
		ns, store, release := leftover(dir)
		if store == nil {
			continue
		}
		release() // first: Windows removes no file that is open
		if left := cleanUp(ctx, store, dir); len(left) == 0 {
			fmt.Fprintf(out, "Removed what a demo that no longer runs left: %s and the keyring namespace mfacred-%s.\n", dir, ns)
		}
	}
}

// leftover is the namespace and store of the demo in dir if that demo no longer runs, with a
// function that releases its lock file; a nil store for a demo that runs, one whose owner file
// is not written yet, and a folder that is not a demo's of this user.
func leftover(dir string) (string, *cache.Store, func()) {
	path, lockPath := filepath.Join(dir, ownerFile), filepath.Join(dir, lockFile)
	for _, p := range []string{lockPath, path} {
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			return "", nil, nil
		}
	}
	l := flock.New(lockPath, flock.SetFlag(os.O_RDWR)) // no O_CREATE: never makes a file
	if ok, err := l.TryLock(); err != nil || !ok {
		return "", nil, nil
	}
	b, err := os.ReadFile(path)
	fields := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if err != nil || len(fields) != 2 {
		l.Close()
		return "", nil, nil
	}
	kr, err := keyring.Open(fields[1], "the demo owner file "+path)
	var store *cache.Store
	if err == nil {
		store, err = cache.ForNamespace(kr, fields[0])
	}
	if err != nil || !strings.HasPrefix(fields[0], "demo-") {
		l.Close()
		return "", nil, nil
	}
	return fields[0], store, func() { l.Close() }
}
