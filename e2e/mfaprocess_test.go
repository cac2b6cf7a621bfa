//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// An mfa_process that prints a valid code and exits 0 serves credentials, even when it left
// a process in the background that still holds its output: the code is
// taken when the command exits, not when the last holder of its output lets go.
func TestMFAProcessBackgroundChild(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pidFile := filepath.Join(w.dir, "background.pid")
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	line := w.mfaProcess()
	w.writeConfig(strings.Replace(line, "= ", "= (sleep 30 & echo $! >"+pidFile+"); ", 1))
	w.addKeys()
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	if r.err != nil {
		t.Fatalf("process: %v: %s", r.err, r.stderr)
	}
	parseCreds(t, r.stdout)
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1", n)
	}
	// The case is the one named only if the background process started and still held the
	// output when the code was taken: it runs still, its `sleep 30` far from done.
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("mfa_process did not start its background process: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("background pid file: %v", err)
	}
	if processEnded(pid) {
		t.Fatalf("the background process %d had ended when the code was taken: nothing held the output", pid)
	}
}

// processEnded says whether pid has ended: gone, or a zombie (state Z) waiting for its parent.
func processEnded(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	_, state, _ := strings.Cut(string(stat), ") ")
	return err != nil || strings.HasPrefix(state, "Z")
}
