//go:build unix

package regular

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A fifo (with no writer, which would make a plain open wait for ever) and a device are
// refused at once, named as what they are.
func TestReadRefusesFifoAndDevice(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Read(fifo, 1<<10); !errors.Is(err, ErrNotRegular) || err.Error() != "not a regular file (a fifo)" {
		t.Fatalf("fifo: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the fifo took %s", took)
	}
	if _, err := Read(os.DevNull, 1<<10); !errors.Is(err, ErrNotRegular) || err.Error() != "not a regular file (a character device)" {
		t.Fatalf("/dev/null: %v", err)
	}
}
