//go:build unix

package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// startXvfb runs a virtual X display for the test and returns its DISPLAY.
func startXvfb(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "zenity", "xdotool"} {
		_, err := exec.LookPath(tool)
		need(t, tool+" (Debian packages xvfb, zenity, xdotool)", err)
	}
	// Xvfb picks a display no other X server holds and writes its number to fd 3 (-displayfd):
	// the dialog tests run in parallel, and one chosen here could be another's.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{wr}
	err = x.Start()
	wr.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Process.Kill(); _, _ = x.Process.Wait() })
	number := make(chan string, 1)
	go func() { // ends with Xvfb's end at the latest: the pipe's write end is then closed
		defer r.Close()
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	var display string
	select {
	case n := <-number:
		if n == "" {
			t.Fatal("Xvfb ended without a display")
		}
		display = ":" + n
	case <-time.After(10 * time.Second):
		t.Fatal("Xvfb named no display within 10 s")
	}
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

// dialogRun is mfacred process running without a terminal on an X display, and the dialog it
// showed.
type dialogRun struct {
	cmd          *exec.Cmd
	out, errb    output // read while mfacred may still write
	display, win string
}

// startDialogRun starts `mfacred process` with no terminal on display and waits for its
// dialog, titled with the profile's name.
func startDialogRun(t *testing.T, w *world, display string) *dialogRun {
	t.Helper()
	d := &dialogRun{display: display, cmd: exec.Command(binary, "process", "--profile", w.profile)}
	d.cmd.Env = append(append([]string{}, w.env...), "DISPLAY="+display)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal
	d.cmd.Stdout, d.cmd.Stderr = &d.out, &d.errb
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.cmd.Process.Kill() })
	title := "mfacred: MFA code for profile " + w.profile
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		// The window is found before it can take the focus: try both until both work.
		if id, err := d.xdo("search", "--name", "^"+title+"$"); err == nil && id != "" {
			d.win = strings.Fields(id)[0]
			if _, err := d.xdo("windowfocus", "--sync", d.win); err == nil {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dialog titled %q appeared and took the focus; mfacred said: %s", title, d.errb.String())
		}
	}
}

func (d *dialogRun) xdo(args ...string) (string, error) {
	c := exec.Command("xdotool", args...)
	c.Env = []string{"DISPLAY=" + d.display}
	o, err := c.Output()
	return strings.TrimSpace(string(o)), err
}

// wait waits (at most 30 s) for mfacred to finish.
func (d *dialogRun) wait(t *testing.T) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		t.Fatalf("mfacred did not finish; it said: %s", d.errb.String())
		return nil
	}
}

// With no terminal but a desktop, the code is asked in a dialog that names the profile;
// the code typed into it is used.
func TestDesktopDialogPrompt(t *testing.T) {
	t.Parallel()
	display := startXvfb(t)
	w := newWorld(t)
	w.writeConfig() // no seed, no mfa_process
	w.addKeys()
	d := startDialogRun(t, w, display)
	if _, err := d.xdo("type", "--delay", "50", localsts.Code(w.seed, time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := d.xdo("key", "Return"); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(t); err != nil {
		t.Fatalf("process: %v: %s", err, d.errb.String())
	}
	parseCreds(t, d.out.String())
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1", n)
	}
}

// Cancel in the dialog ends the call at once with a sentence that says so: the dialog is not
// shown again and nothing is sent to AWS.
func TestDesktopDialogCancel(t *testing.T) {
	t.Parallel()
	display := startXvfb(t)
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	d := startDialogRun(t, w, display)
	if _, err := d.xdo("key", "Escape"); err != nil { // zenity's Cancel
		t.Fatal(err)
	}
	if err := d.wait(t); err == nil {
		t.Fatalf("exit 0 after Cancel; stdout %q", d.out.String())
	}
	want := "mfacred: profile " + w.profile + ": MFA code prompt cancelled in the zenity dialog (device " + w.serial + ")\n"
	if d.out.String() != "" || d.errb.String() != want {
		t.Fatalf("stdout %q\nstderr %q\nwant stderr %q", d.out.String(), d.errb.String(), want)
	}
	if n := w.sts.Count("GetSessionToken"); n != 0 {
		t.Fatalf("%d GetSessionToken after Cancel, want 0", n)
	}
}
