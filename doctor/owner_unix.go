//go:build unix

package doctor

import (
	"io/fs"
	"os"
	"syscall"
)

// ownedBySelf reports whether the current user owns the file; known is false where the
// platform does not say.
func ownedBySelf(fi fs.FileInfo) (owner, known bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false, false
	}
	return int(st.Uid) == os.Getuid(), true
}
