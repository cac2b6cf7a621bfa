package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// allocate reserves n bytes of disk for f without changing its size (FALLOC_FL_KEEP_SIZE). A
// file system that cannot do it is no error: the write in place then goes unreserved.
func allocate(f *os.File, n int64) error {
	const keepSize = 0x01 // FALLOC_FL_KEEP_SIZE
	err := syscall.Fallocate(int(f.Fd()), keepSize, 0, n)
	if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) {
		return nil
	}
	return err
}
