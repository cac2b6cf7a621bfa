package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Windows lock dir check, over the values owner_windows.go reads from the folder.
func TestWindowsLockDirCheck(t *testing.T) {
	const (
		user   = "S-1-5-21-1004336348-1177238915-682003330-1001"
		other  = "S-1-5-21-1004336348-1177238915-682003330-1002"
		admins = "S-1-5-32-544"
		system = "S-1-5-18"
	)
	me := []string{user, user}
	elevated := []string{user, admins}
	full, readExec := uint32(0x1f01ff), uint32(0x1200a9)
	// %LOCALAPPDATA%'s usual list, which a new folder inherits.
	usual := []aclGrant{{system, full}, {admins, full}, {user, full}}
	for _, tc := range []struct {
		name   string
		owner  string
		me     []string
		null   bool
		grants []aclGrant
		want   string // "" for accepted
	}{
		{"the user's folder", user, me, false, usual, ""},
		{"made while elevated", admins, elevated, false, usual, ""},
		{"everyone may read", user, me, false, append(usual, aclGrant{"S-1-1-0", readExec}), ""},
		{"another user's folder", other, me, false, usual, "belongs to another user (owner " + other + ")"},
		{"Administrators' folder, not elevated", admins, me, false, usual, "belongs to another user"},
		{"no access list", user, me, true, nil, "writable by everyone"},
		{"Users may add files", user, me, false, append(usual, aclGrant{"S-1-5-32-545", winAddFile}), "writable by others (S-1-5-32-545)"},
		{"Everyone full control", user, me, false, append(usual, aclGrant{"S-1-1-0", full}), "writable by others (S-1-1-0)"},
		{"another user may change the list", user, me, false, append(usual, aclGrant{other, winWriteDAC}), "writable by others"},
	} {
		err := checkWindowsDir(`C:\Users\alice\AppData\Local\mfacred`, tc.owner, tc.me, tc.null, tc.grants)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// MarkCodeUsed reports a record it could not write (here a folder stands where the record
// goes), rather than dropping the error.
func TestMarkCodeUsedReportsFailure(t *testing.T) {
	s := newStore(t)
	if err := os.MkdirAll(filepath.Join(s.usedPath("d"), "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkCodeUsed(ctx, "d", "123456", time.Now()); err == nil || !strings.Contains(err.Error(), "record the code sent for device d") {
		t.Fatalf("err = %v", err)
	}
}
