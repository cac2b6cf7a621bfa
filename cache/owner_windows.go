package cache

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// checkPerms refuses a lock dir that another user owns or that others may write, from its
// security descriptor (checkWindowsDir).
func checkPerms(dir string, _ os.FileInfo) error {
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("lock dir %s: read its owner: %w", dir, err)
	}
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return fmt.Errorf("lock dir %s: read its owner: %v", dir, err)
	}
	me, err := tokenSIDs()
	if err != nil {
		return fmt.Errorf("lock dir %s: %w", dir, err)
	}
	dacl, _, err := sd.DACL()
	nullDACL := dacl == nil
	if err != nil && err != windows.ERROR_OBJECT_NOT_FOUND {
		return fmt.Errorf("lock dir %s: read its access list: %w", dir, err)
	}
	var grants []aclGrant
	if dacl != nil {
		for i := uint32(0); i < uint32(dacl.AceCount); i++ {
			var ace *windows.ACCESS_ALLOWED_ACE
			if err := windows.GetAce(dacl, i, &ace); err != nil {
				return fmt.Errorf("lock dir %s: read its access list: %w", dir, err)
			}
			if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
				continue
			}
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			grants = append(grants, aclGrant{SID: sid.String(), Mask: uint32(ace.Mask)})
		}
	}
	return checkWindowsDir(dir, owner.String(), me, nullDACL, grants)
}

// tokenSIDs are the user of this process and the owner its token gives new objects.
func tokenSIDs() ([]string, error) {
	token := windows.GetCurrentProcessToken()
	user, err := token.GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("read this process's user: %w", err)
	}
	me := []string{user.User.Sid.String()}
	var n uint32
	_ = windows.GetTokenInformation(token, windows.TokenOwner, nil, 0, &n)
	if n > 0 {
		buf := make([]byte, n)
		if windows.GetTokenInformation(token, windows.TokenOwner, &buf[0], n, &n) == nil {
			me = append(me, (*tokenOwner)(unsafe.Pointer(&buf[0])).Owner.String())
		}
	}
	return me, nil
}

// tokenOwner is TOKEN_OWNER (winnt.h), which x/sys/windows does not declare.
type tokenOwner struct{ Owner *windows.SID }

// noFollow: Windows has no O_NOFOLLOW; the lock dir's access list is checked instead.
const noFollow = 0
