//go:build linux

package regular

import (
	"bytes"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What can stand at a path: each refused at once without a byte read, named by kind; a
// regular file read whole, through links; a file whose size lies (procfs says 0) read to its
// end up to the limit and refused past it.
func TestReadWhatStandsThere(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("[default]\nregion = x\n"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink("file", link)
	chain := filepath.Join(dir, "chain")
	os.Symlink("link", chain)
	loop := filepath.Join(dir, "loop")
	os.Symlink("loop", loop)
	dangling := filepath.Join(dir, "dangling")
	os.Symlink("nothing", dangling)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 101), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	for _, tc := range []struct {
		path string
		want string // the error's words; "" reads
		is   error
	}{
		{fifo, "not a regular file (a fifo)", ErrNotRegular},
		{sock, "", nil}, // a socket cannot be opened at all: the open's own error
		{"/dev/zero", "not a regular file (a character device)", ErrNotRegular},
		{"/dev/null", "not a regular file (a character device)", ErrNotRegular},
		{dir, "not a regular file (a directory)", ErrNotRegular},
		{big, "larger than the", ErrTooLarge},
		{loop, "too many levels of symbolic links", nil},
		{dangling, "no such file or directory", fs.ErrNotExist},
		{file, "", nil},
		{link, "", nil},
		{chain, "", nil},
		{empty, "", nil},
	} {
		start := time.Now()
		b, err := Read(tc.path, 100)
		if time.Since(start) > time.Second {
			t.Errorf("%s: took %v", tc.path, time.Since(start))
		}
		switch {
		case tc.path == sock:
			if err == nil {
				t.Errorf("read a socket: %q", b)
			}
		case tc.want == "":
			if err != nil {
				t.Errorf("%s: %v", tc.path, err)
			}
		case err == nil || !strings.Contains(err.Error(), tc.want) || tc.is != nil && !errors.Is(err, tc.is):
			t.Errorf("%s: %v, want %q (%v)", tc.path, err, tc.want, tc.is)
		}
	}
	if b, err := Read(chain, 100); err != nil || string(b) != "[default]\nregion = x\n" {
		t.Errorf("through two links: %q %v", b, err)
	}
	// procfs says size 0 and holds more.
	b, err := Read("/proc/self/maps", 1<<20)
	if err != nil || len(b) == 0 || !bytes.Contains(b, []byte("\n")) {
		t.Errorf("/proc/self/maps: %d bytes, %v", len(b), err)
	}
	if _, err := Read("/proc/self/maps", 16); !errors.Is(err, ErrTooLarge) {
		t.Errorf("/proc/self/maps over 16 bytes: %v", err)
	}
}

// A file that grows while it is read (a writer appending) is read up to the limit, and
// refused once past it, never read without end.
func TestReadGrowingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grows")
	os.WriteFile(path, []byte("x"), 0o600)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		defer f.Close()
		for {
			select {
			case <-stop:
				return
			default:
				f.Write(bytes.Repeat([]byte("y"), 4096))
			}
		}
	}()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		b, err := Read(path, 1<<20)
		if err == nil && len(b) > 1<<20 || err != nil && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%d bytes, %v", len(b), err)
		}
		if errors.Is(err, ErrTooLarge) {
			break
		}
	}
	close(stop)
	<-done
}
