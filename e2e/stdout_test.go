//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The credentials cannot be written: stdout is a full disk (/dev/full). process and export,
// from the fast path (mfacred) and from mfacred-core, fail with one line on stderr, never
// exit 0 (a caller would take "nothing" for credentials), and never print a secret instead.
// (A stdout closed by the caller, `>&-`, is /dev/null to a Go program: its runtime opens
// /dev/null there at start, so no file opened later can take the credentials.)
func TestCredentialsToAStdoutThatCannotTakeThem(t *testing.T) {
	t.Parallel()
	w, c := exportWorld(t)
	core := filepath.Join(filepath.Dir(binary), "mfacred-core")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for _, prog := range []string{binary, core} {
		for _, args := range [][]string{{"process", "--profile", w.profile}, {"export", "--profile", w.profile}, {"export", "--profile", w.profile, "--format", "powershell"}} {
			var stderr strings.Builder
			cmd := exec.Command(prog, args...)
			cmd.Env, cmd.Stdout, cmd.Stderr = w.env, full, &stderr
			err := cmd.Run()
			got := stderr.String()
			if err == nil || strings.Count(got, "\n") != 1 || !strings.Contains(got, "no space left") || strings.Contains(got, c.SecretAccessKey) || strings.Contains(got, c.SessionToken) {
				t.Errorf("%s %q, stdout /dev/full: %v, stderr %q", filepath.Base(prog), args, err, got)
			}
			t.Logf("%s %q: %s", filepath.Base(prog), args, got)
		}
	}
}
