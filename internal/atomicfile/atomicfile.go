// Package atomicfile replaces a file's contents so that a reader, or a crash, finds the old
// contents or the new, never part of either: the data goes to a temporary file in the same
// directory, is flushed to the disk (fsync), and the temporary file is renamed over the file.
// mfacred writes every file this way: the config edits of setup, the config stamps, and the
// record of the last one-time code sent, which must survive a crash so that a code is never
// sent twice (docs/aws-contract.md §4).
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// On Windows a rename over a file another process has open fails (a reader without sharing
// delete access), so a failed rename is tried again for up to about a second.
const (
	renameTries = 20
	renameWait  = 50 * time.Millisecond
)

// Write replaces the contents of path with data, giving the file mode perm. The directory
// must exist. On failure the file is left as it was and no temporary file remains. It is
// Prepare and Commit: where the folder cannot be written but the file can, or where the file
// is a mount point of its own (a config file mounted into a container by itself, over which
// nothing can be renamed), the file is written in place, as the AWS CLI writes it.
func Write(path string, data []byte, perm os.FileMode) error {
	// The data is at hand: no reserve is written and flushed first, only the data once.
	p, err := prepare(path, len(data), perm, false)
	if err != nil {
		return err
	}
	return p.Commit(data)
}

// replace renames from to to, trying again tries times, wait apart, while it fails, but for
// a mount point at to (EBUSY), which no wait changes.
func replace(rename func(from, to string) error, from, to string, tries int, wait time.Duration) error {
	var err error
	for i := 0; i < tries; i++ {
		if err = rename(from, to); err == nil || errors.Is(err, syscall.EBUSY) {
			return err
		}
		time.Sleep(wait)
	}
	return err
}

// Pending is a replacement of a file made ready before its contents exist, for a writer that
// must know it can save what it is about to get — an `aws login` refresh spends its
// single-use refresh token, so its answer must not be lost to a read-only folder or a full
// disk. Prepare makes a temporary file beside the file and writes reserve bytes to it,
// flushed, so that the folder is writable and the space is there; Commit then puts the data
// in it and renames it over the file. Where the folder cannot be written but the file can,
// Commit writes the file in place instead (as the AWS CLI writes it).
type Pending struct {
	f       *os.File
	path    string
	perm    os.FileMode
	inPlace bool
}

// Prepare readies the replacement of path (which must not be a symbolic link: resolve it
// first, so that the link is kept) with mode perm, reserving reserve bytes. Its error is the
// file system's (read-only, no space, no permission), naming the folder or file. Temporary
// files of path that a writer killed before its Commit or Abort left behind (SIGKILL, the
// SIGHUP of a closed terminal) are removed first once older than StaleAfter.
func Prepare(path string, reserve int, perm os.FileMode) (*Pending, error) {
	return prepare(path, reserve, perm, true)
}

// prepare is Prepare; fill says whether the temporary file gets the reserve written and
// flushed (a writer whose data is at hand gets nothing from it but a second flush).
func prepare(path string, reserve int, perm os.FileMode, fill bool) (*Pending, error) {
	removeStale(path)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if errors.Is(err, fs.ErrPermission) {
		if p := inPlace(path, reserve); p != nil {
			return p, nil
		}
	}
	if err != nil {
		return nil, err
	}
	p := &Pending{f: tmp, path: path, perm: perm}
	if !fill {
		return p, nil
	}
	if _, err = tmp.Write(make([]byte, reserve)); err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		p.Abort()
		return nil, err
	}
	return p, nil
}

// StaleAfter is when a temporary file of Prepare is surely its killed writer's: a writer
// commits within one call to AWS, and a credential_process helper is killed after a minute.
const StaleAfter = 5 * time.Minute

// removeStale removes path's temporary files older than StaleAfter.
func removeStale(path string) {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+".tmp-"
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > StaleAfter {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// inPlace is the replacement of path written in place, or nil where that cannot be made: the
// file is opened without waiting (a fifo at the path would wait for a reader) and must be a
// regular file, and the reserve is allocated to it without changing its size (where the
// file system can), so that a Commit within the reserve cannot run out of space half way
// and leave the file part new, part old.
func inPlace(path string, reserve int) *Pending {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || allocate(f, int64(reserve)) != nil {
		f.Close()
		return nil
	}
	return &Pending{f: f, path: path, inPlace: true}
}

// Commit replaces the file's contents with data. The Pending is spent, whatever the outcome.
func (p *Pending) Commit(data []byte) (err error) {
	f := p.f
	if f == nil {
		return errors.New("atomicfile: commit of a spent replacement")
	}
	defer p.Abort()
	if _, err = f.WriteAt(data, 0); err == nil {
		err = f.Truncate(int64(len(data)))
	}
	if err == nil && !p.inPlace {
		err = f.Chmod(p.perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	p.f = nil
	if err != nil {
		if !p.inPlace {
			os.Remove(f.Name())
		}
		return err
	}
	if p.inPlace {
		return nil
	}
	if err = replace(os.Rename, f.Name(), p.path, renameTries, renameWait); err == nil {
		return nil
	}
	os.Remove(f.Name())
	if errors.Is(err, syscall.EBUSY) { // path is a mount point: write it in place
		if q := inPlace(p.path, len(data)); q != nil {
			err = q.Commit(data)
		}
	}
	return err
}

// Abort gives the replacement up: the file is left as it was and no temporary file remains.
func (p *Pending) Abort() {
	if p.f == nil {
		return
	}
	p.f.Close()
	if !p.inPlace {
		os.Remove(p.f.Name())
	}
	p.f = nil
}
