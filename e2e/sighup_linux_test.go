package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The programs the tests start get SIGHUP's default action, as under a terminal, even when the
// suite itself runs under nohup (which ignores SIGHUP, and an ignored signal stays ignored
// across exec): else the tests of a closed terminal's SIGHUP would test nohup's instead (seen:
// TestHostileLoginSignalsEndEveryWait failed every time under nohup, correctly, as mfacred
// process then ignores SIGHUP as nohup asked). TestMain sees to it.
func TestChildrenGetSIGHUPsDefault(t *testing.T) {
	out, err := exec.Command("grep", "^SigIgn:", "/proc/self/status").Output()
	if err != nil {
		t.Fatal(err)
	}
	mask, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(string(out), "SigIgn:")), 16, 64)
	if err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if mask&1 != 0 { // bit 0: signal 1, SIGHUP
		t.Fatalf("a program the tests start has SIGHUP ignored (%s)", strings.TrimSpace(string(out)))
	}
}
