//go:build unix

package edit

import (
	"os"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/internal/testenv"
)

// File, which setup runs on the files it loaded a moment before, reads them as Load does:
// a fifo put at the path in between is refused at once (it waited for a writer forever), and
// so are /dev/zero, a folder and a file over awsconfig.MaxFileSize; nothing is written over them.
func TestFileRefusesWhatIsNotAFile(t *testing.T) {
	for path, kind := range testenv.NotFiles(t, awsconfig.MaxFileSize) {
		before, _ := os.Lstat(path)
		err := testenv.AtOnce(t, path, func() error {
			_, err := File(path, func(b []byte) []byte { return append(b, "[profile x]\n"...) })
			return err
		})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), kind) || strings.Contains(err.Error(), "\n") {
			t.Errorf("File(%s): %v, want one line naming it and %q", path, err, kind)
		}
		if after, err := os.Lstat(path); err != nil || after.Mode() != before.Mode() || after.Size() != before.Size() {
			t.Errorf("%s was replaced: %v", path, err)
		}
	}
}
