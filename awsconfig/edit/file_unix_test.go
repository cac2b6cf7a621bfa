//go:build unix

package edit

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
)

// refuseWithin is "at once" for a refused config file, as in awsconfig's TestNotARegularFile:
// the refusal is a stat, well under 1 s; the other second is margin for a loaded 2-core machine.
const refuseWithin = 2 * time.Second

// File, which setup runs on the files it loaded a moment before, reads them as Load does:
// a fifo put at the path in between is refused at once (it waited for a writer forever), and
// so are /dev/zero, a folder and a file over awsconfig.MaxFileSize; nothing is written over them.
func TestFileRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if f, err := os.Create(big); err != nil || f.Truncate(awsconfig.MaxFileSize+1) != nil || f.Close() != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", zero)
	for _, path := range []string{fifo, big, zero, dir} {
		done := make(chan error, 1)
		go func() {
			_, err := File(path, func(b []byte) []byte { return append(b, "[profile x]\n"...) })
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), path) || strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("File(%s): %v", path, err)
			}
		case <-time.After(refuseWithin):
			t.Fatalf("File(%s) still waits after %v", path, refuseWithin)
		}
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the fifo was replaced: %v", err)
	}
}
