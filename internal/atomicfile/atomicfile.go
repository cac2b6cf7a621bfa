// Package atomicfile replaces a file's contents so that a reader, or a crash, finds the old
// contents or the new, never part of either: the data goes to a temporary file in the same
// directory, is flushed to the disk (fsync), and the temporary file is renamed over the file.
// mfacred writes every file this way: the config edits of setup, the config stamps, and the
// record of the last one-time code sent, which must survive a crash so that a code is never
// sent twice (docs/aws-contract.md §4).
package atomicfile

import (
	"os"
	"path/filepath"
	"time"
)

// On Windows a rename over a file another process has open fails (a reader without sharing
// delete access), so a failed rename is tried again for up to about a second.
const (
	renameTries = 20
	renameWait  = 50 * time.Millisecond
)

// Write replaces the contents of path with data, giving the file mode perm. The directory
// must exist. On failure the file is left as it was and no temporary file remains.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err == nil {
		if err = tmp.Chmod(perm); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return replace(os.Rename, tmp.Name(), path, renameTries, renameWait)
}

// replace renames from to to, trying again tries times, wait apart, while it fails.
func replace(rename func(from, to string) error, from, to string, tries int, wait time.Duration) error {
	var err error
	for i := 0; i < tries; i++ {
		if err = rename(from, to); err == nil {
			return nil
		}
		time.Sleep(wait)
	}
	return err
}
