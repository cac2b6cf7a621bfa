//go:build !windows

package cache

import (
	"os"
	"syscall"
)

func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || int(st.Uid) == os.Getuid()
}

// noFollow makes opening a symlink fail instead of following it.
const noFollow = syscall.O_NOFOLLOW
