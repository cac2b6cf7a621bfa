package cache

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// The lock dir's real security descriptor, read by checkPerms: a folder of the user's own is
// used; once its access list lets Everyone add files, it is refused, naming the folder. (Under
// Wine on every test run, test.sh's Windows lane; docs/windows.md.)
func TestLockDirWritableByEveryoneRefused(t *testing.T) {
	s := newStore(t)
	l, err := s.lock(ctx, "x", time.Second)
	if err != nil {
		t.Fatalf("the user's own lock dir: %v", err)
	}
	l.Close()
	everyone, err := windows.CreateWellKnownSid(windows.WinWorldSid)
	if err != nil {
		t.Fatal(err)
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL,
		AccessMode:        windows.GRANT_ACCESS,
		Inheritance:       windows.NO_INHERITANCE,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_WELL_KNOWN_GROUP,
			TrusteeValue: windows.TrusteeValueFromSID(everyone),
		},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(s.LockDir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION, nil, nil, acl, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.lock(ctx, "x", time.Second); err == nil || !strings.Contains(err.Error(), s.LockDir) || !strings.Contains(err.Error(), "writable by") {
		t.Fatalf("a lock dir Everyone may write: %v", err)
	}
}
