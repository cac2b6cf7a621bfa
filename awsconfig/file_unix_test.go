//go:build unix

package awsconfig

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/testenv"
)

// A config that is not a regular file, or is too large, is refused at once with one line
// that names it: a fifo must not hang, /dev/zero must not fill the memory.
func TestNotARegularFile(t *testing.T) {
	for path, kind := range testenv.NotFiles(t, MaxFileSize) {
		want := "not a regular file (" + kind + ")"
		if kind == "larger than" {
			want = "larger than the 16 MiB mfacred reads"
		}
		err := testenv.AtOnce(t, path, func() error { _, err := LoadFiles(path, filepath.Join(t.TempDir(), "none")); return err })
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line naming it and %q", path, err, want)
		}
	}
}
