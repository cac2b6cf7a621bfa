//go:build linux

package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Ctrl-C at the MFA code prompt on the terminal ends the call at once with status 130,
// sending nothing to AWS.
func TestCtrlCEndsTheCodePrompt(t *testing.T) {
	// Serial: the time it checks against signalBound ends with a line on tmux's screen, so it
	// holds tmux's screen polling, the shell's next command and (for Ctrl-C) the start of
	// tmux's client besides mfacred's end; beside the parallel tests on 2 cores those alone
	// may take most of the bound. Run alone, it measures the product's time.
	w := newWorld(t)
	w.writeConfig() // no seed, no mfa_process: the terminal asks
	w.addKeys()
	tm := startTmux(t, w, fmt.Sprintf("trap true INT\nsh -c 'exec %s process --profile %s'; echo EXIT=$?", binary, w.profile))
	tm.waitFor("MFA code for profile "+w.profile, 20*time.Second)
	start := time.Now()
	if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "C-c").CombinedOutput(); err != nil {
		t.Fatalf("send-keys C-c: %v %s", err, out)
	}
	screen := tm.waitFor("EXIT=", signalBound)
	t.Logf("Ctrl-C at the code prompt: ended within %s", time.Since(start).Round(10*time.Millisecond))
	if !strings.Contains(screen, "EXIT=130") {
		t.Fatalf("want exit 130 after Ctrl-C:\n%s", screen)
	}
	if n := w.sts.Count("GetSessionToken"); n != 0 {
		t.Fatalf("%d GetSessionToken after Ctrl-C, want 0", n)
	}
}
