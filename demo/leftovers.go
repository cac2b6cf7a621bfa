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
)

// ownerFile is the file in a demo's folder that names its keyring namespace and keyring, locked
// by the demo for as long as it runs. The kernel releases the lock when the demo ends, however
// it ends, so an owner file that no process holds is one a killed demo left.
const ownerFile = "owner"

// own writes the owner file of the demo in dir, and locks it: Close releases it.
func own(dir, ns string, kr cache.Keyring) (io.Closer, error) {
	path := filepath.Join(dir, ownerFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("make demo owner file: %w", err)
	}
	f.Close()
	l := flock.New(path, flock.SetFlag(os.O_RDWR))
	if ok, err := l.TryLock(); err != nil || !ok {
		return nil, fmt.Errorf("lock demo owner file %s: %v", path, err)
	}
	// Written once locked: an empty owner file is one being made (or of a demo killed at
	// once, which had made nothing else yet), never taken for a leftover.
	if err := os.WriteFile(path, []byte(ns+"\n"+keyringChoice(kr)+"\n"), 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("write demo owner file: %w", err)
	}
	return l, nil
}

// removeLeftovers removes the folder, lock folder and keyring namespace of every demo of this
// user whose owner file no process holds, and says what it removed. What it cannot remove it
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
// function that releases its owner file; a nil store for a demo that runs, one whose owner
// file is still being written, and a folder that is not a demo's of this user.
func leftover(dir string) (string, *cache.Store, func()) {
	path := filepath.Join(dir, ownerFile)
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return "", nil, nil
	}
	l := flock.New(path, flock.SetFlag(os.O_RDWR)) // no O_CREATE: never makes a file
	if ok, err := l.TryLock(); err != nil || !ok {
		return "", nil, nil
	}
	b, err := os.ReadFile(path)
	fields := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if err != nil || len(fields) != 2 {
		l.Close()
		return "", nil, nil
	}
	kr, err := cache.OpenKeyring(fields[1], "the demo owner file "+path)
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
