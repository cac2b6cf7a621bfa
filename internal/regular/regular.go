// Package regular opens the files mfacred reads that another program writes — the AWS config
// and credentials files, an `aws login` session's token file — so that what stands at the path
// cannot make a read hang or run without end: a fifo is opened without waiting for a writer
// and refused, and so is anything else that is not a regular file (a device such as
// /dev/zero, a folder, a socket), or a file larger than the reader's limit. A symbolic link to
// a regular file is followed, as the AWS CLI follows it.
package regular

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular marks a path that holds something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge marks a file larger than the reader's limit.
var ErrTooLarge = errors.New("too large")

// notRegular and tooLarge keep the words of the refusals, which name the kind of file and
// the limit, and are ErrNotRegular and ErrTooLarge to errors.Is.
type notRegular struct{ mode fs.FileMode }

func (e notRegular) Error() string        { return "not a regular file (" + Kind(e.mode) + ")" }
func (e notRegular) Is(target error) bool { return target == ErrNotRegular }

type tooLarge struct{ max int64 }

func (e tooLarge) Error() string        { return fmt.Sprintf("larger than the %s mfacred reads", size(e.max)) }
func (e tooLarge) Is(target error) bool { return target == ErrTooLarge }

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// Open opens path for reading and returns it with its FileInfo, or an error that is
// ErrNotRegular or ErrTooLarge (found without reading a byte), or the open's own error
// (fs.ErrNotExist for a missing file). The caller closes the file.
func Open(path string, max int64) (*os.File, fs.FileInfo, error) {
	// Non-blocking, so that opening a fifo returns at once; the stat below then refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		// A socket cannot be opened at all (ENXIO): say what it is, as for the rest.
		if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() {
			return nil, nil, notRegular{fi.Mode()}
		}
		return nil, nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case !fi.Mode().IsRegular():
		err = notRegular{fi.Mode()}
	case fi.Size() > max:
		err = tooLarge{max}
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// Read reads the regular file at path whole, refusing what Open refuses and a file that grew
// past max while it was read.
func Read(path string, max int64) ([]byte, error) {
	f, fi, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, fi.Size()+1) // +1: see the file grow
	n, err := io.ReadFull(f, b)
	switch {
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF):
		return nil, err
	case int64(n) > max:
		return nil, tooLarge{max}
	case n == len(b): // it grew while it was read: read the rest, up to the limit
		rest, err := io.ReadAll(io.LimitReader(f, max-int64(n)+1))
		if err != nil {
			return nil, err
		}
		if b = append(b, rest...); int64(len(b)) > max {
			return nil, tooLarge{max}
		}
		return b, nil
	}
	return b[:n], nil
}

// Kind names a file mode's type in words, for messages.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a fifo"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}
