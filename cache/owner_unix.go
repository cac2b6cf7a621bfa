//go:build !windows

package cache

import (
	"fmt"
	"os"
	"syscall"
)

// checkPerms refuses a lock dir that others may write or that another user owns.
func checkPerms(dir string, fi os.FileInfo) error {
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("lock dir %s is writable by others (mode %v): run chmod 700 %s", dir, fi.Mode().Perm(), dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("lock dir %s belongs to another user", dir)
	}
	return nil
}

// noFollow makes opening a symlink fail instead of following it.
const noFollow = syscall.O_NOFOLLOW
