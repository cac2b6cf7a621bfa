package cache

import (
	"fmt"
	"slices"
)

// The lock dir check on Windows, written over plain values so that it is tested everywhere;
// owner_windows.go reads them from the folder's security descriptor.

// aclGrant is one access-allowed entry of a folder's DACL that applies to the folder itself.
type aclGrant struct {
	SID  string
	Mask uint32
}

// Windows access rights that let their holder plant, replace or delete files in a folder, or
// give itself those rights (winnt.h).
const (
	winAddFile      = 0x0002 // FILE_ADD_FILE (FILE_WRITE_DATA)
	winAddSubdir    = 0x0004 // FILE_ADD_SUBDIRECTORY
	winDeleteChild  = 0x0040 // FILE_DELETE_CHILD
	winDelete       = 0x00010000
	winWriteDAC     = 0x00040000
	winWriteOwner   = 0x00080000
	winGenericAll   = 0x10000000
	winGenericWrite = 0x40000000
	winWriteRights  = winAddFile | winAddSubdir | winDeleteChild | winDelete | winWriteDAC | winWriteOwner | winGenericAll | winGenericWrite
)

// Principals that may write the user's own folders anyway: SYSTEM, the Administrators group,
// and OWNER RIGHTS (which is the owner, checked apart).
var winTrusted = []string{"S-1-5-18", "S-1-5-32-544", "S-1-3-4"}

// checkWindowsDir refuses a lock dir whose owner is not one of me (the user, and the owner
// the user's token gives new objects: the Administrators group when elevated), that has no
// DACL (everyone may do anything), or that grants write access to anyone else.
func checkWindowsDir(dir, owner string, me []string, nullDACL bool, grants []aclGrant) error {
	if !slices.Contains(me, owner) {
		return fmt.Errorf("lock dir %s belongs to another user (owner %s)", dir, owner)
	}
	if nullDACL {
		return fmt.Errorf("lock dir %s is writable by everyone (it has no access list): delete it and mfacred makes it again", dir)
	}
	for _, g := range grants {
		if g.Mask&winWriteRights != 0 && !slices.Contains(me, g.SID) && !slices.Contains(winTrusted, g.SID) {
			return fmt.Errorf("lock dir %s is writable by others (%s): remove that permission, or delete the folder and mfacred makes it again", dir, g.SID)
		}
	}
	return nil
}
