//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// tmuxSession runs a shell script in a detached tmux session on a private server.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T, w *world, script string) *tmuxSession {
	t.Helper()
	return tmuxRun(t, filepath.Join(w.dir, "run.sh"), w.env, w.seed, script)
}

// tmuxRun writes script, after exports of env, to path and runs it in a detached tmux session
// on a private server. A seed for mfa_process (MFACRED_TEST_SEED) travels in the new tmux
// server's environment, which it passes on to the script, never in the file.
func tmuxRun(t *testing.T, path string, env []string, seed, script string) *tmuxSession {
	t.Helper()
	_, err := exec.LookPath("tmux")
	need(t, "tmux (Debian package tmux)", err)
	var exports strings.Builder
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "MFACRED_TEST_SEED" {
			continue // the script is a file: keep the seed out of it
		}
		fmt.Fprintf(&exports, "export %s='%s'\n", k, v)
	}
	writeProgram(t, path, "#!/bin/sh\n"+exports.String()+script+"\nsleep 120\n")
	s := &tmuxSession{t: t, socket: fmt.Sprintf("mfacred-e2e-%d", time.Now().UnixNano())}
	cmd := exec.Command("tmux", "-L", s.socket, "-f", "/dev/null", "new-session", "-d", "-x", "220", "-y", "30", path)
	if seed != "" {
		cmd.Env = append(os.Environ(), "MFACRED_TEST_SEED="+seed)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-J").Output()
	return string(out)
}

// waitFor polls the screen until it contains want.
func (s *tmuxSession) waitFor(want string, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.screen()
		if strings.Contains(screen, want) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q; it shows:\n%s", want, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *tmuxSession) typeLine(text string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "-L", s.socket, "send-keys", "-l", text).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v %s", err, out)
	}
	_ = exec.Command("tmux", "-L", s.socket, "send-keys", "Enter").Run()
}

// The AWS CLI captures the helper's stderr; the prompt goes to the terminal itself, so the
// person sees it, types a code, and the command completes. A wrong code is asked for again.
func TestTerminalPromptUnderAWSCLI(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	tm := startTmux(t, w, fmt.Sprintf("%s sts get-caller-identity --profile %s --endpoint-url %s --output text\necho EXIT=$?", aws, w.profile, w.sts.URL))
	prompt := fmt.Sprintf("MFA code for profile %s (device %s):", w.profile, w.serial)
	// The AWS CLI, a Python program, starts before it runs mfacred: beside the parallel tests
	// on 2 cores that alone took over 20 s once. No bound of mfacred's is timed here.
	tm.waitFor(prompt, 60*time.Second)
	wrong := localsts.Code(w.seed, time.Now().Add(-5*time.Minute))
	tm.typeLine(wrong)
	tm.waitFor("AWS rejected that code", 10*time.Second)
	tm.typeLine(localsts.Code(w.seed, time.Now()))
	screen := tm.waitFor("EXIT=", 20*time.Second)
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, w.user.ARN()) {
		t.Fatalf("the AWS CLI did not complete with the typed code:\n%s", screen)
	}
	if c := w.sts.Count("GetSessionToken"); c != 2 {
		t.Fatalf("%d GetSessionToken, want 2 (one wrong code, one right)", c)
	}
}
