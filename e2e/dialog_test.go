package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/internal/ststest"
)

// startXvfb runs a virtual X display for the test and returns its DISPLAY.
func startXvfb(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "zenity", "xdotool"} {
		_, err := exec.LookPath(tool)
		need(t, tool+" (Debian packages xvfb, zenity, xdotool)", err)
	}
	display := fmt.Sprintf(":%d", 90+time.Now().UnixNano()%500)
	x := exec.Command("Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Process.Kill(); _, _ = x.Process.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		c := exec.Command("xdotool", "getdisplaygeometry")
		c.Env = []string{"DISPLAY=" + display}
		if c.Run() == nil {
			return display
		}
		if time.Now().After(deadline) {
			t.Fatal("Xvfb did not start")
		}
	}
}

// With no terminal but a desktop, the code is asked in a dialog that names the profile;
// the code typed into it is used.
func TestDesktopDialogPrompt(t *testing.T) {
	display := startXvfb(t)
	w := newWorld(t)
	w.writeConfig() // no seed, no mfa_process
	w.addKeys()
	w.env = append(w.env, "DISPLAY="+display)
	cmd := exec.Command(binary, "process", "--profile", w.profile)
	cmd.Env = w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	xdo := func(args ...string) (string, error) {
		c := exec.Command("xdotool", args...)
		c.Env = []string{"DISPLAY=" + display}
		o, err := c.Output()
		return strings.TrimSpace(string(o)), err
	}
	title := "mfacred: MFA code for profile " + w.profile
	var win string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if id, err := xdo("search", "--name", "^"+title+"$"); err == nil && id != "" {
			win = strings.Fields(id)[0]
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no dialog titled %q appeared; mfacred said: %s", title, errb.String())
		}
	}
	if _, err := xdo("windowfocus", "--sync", win); err != nil {
		t.Fatalf("focus the dialog: %v", err)
	}
	if _, err := xdo("type", "--delay", "50", ststest.Code(w.seed, time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := xdo("key", "Return"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("process: %v: %s", err, errb.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("process did not finish after the code was typed")
	}
	parseCreds(t, out.String())
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1", n)
	}
}
