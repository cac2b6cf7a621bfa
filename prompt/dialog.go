package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// DialogTimeout bounds a dialog, well inside the Go SDK's 60 s kill of the whole helper.
const DialogTimeout = 40 * time.Second

// Dialog asks for a code in a desktop dialog, for callers that have no terminal (IDEs, GUI
// apps): one small driver per platform program, since the usual Go dialog library does not
// download here (aws-facts.md §7).
type Dialog struct {
	driver  dialogDriver
	Timeout time.Duration
}

// dialogDriver is the command line of one dialog program showing title and text.
type dialogDriver struct {
	name string
	args func(title, text string, timeout time.Duration) []string
}

var (
	zenity = dialogDriver{name: "zenity", args: func(title, text string, t time.Duration) []string {
		return []string{"--entry", "--title", title, "--text", text, "--timeout", strconv.Itoa(int(t.Seconds()))}
	}}
	kdialog = dialogDriver{name: "kdialog", args: func(title, text string, _ time.Duration) []string {
		return []string{"--title", title, "--inputbox", text}
	}}
	osascript = dialogDriver{name: "osascript", args: func(title, text string, t time.Duration) []string {
		return []string{"-e", fmt.Sprintf(`display dialog %s default answer "" with title %s giving up after %d`, appleString(text), appleString(title), int(t.Seconds())),
			"-e", "text returned of result"}
	}}
	powershell = dialogDriver{name: "powershell.exe", args: func(title, text string, _ time.Duration) []string {
		return []string{"-NoProfile", "-NonInteractive", "-Command",
			fmt.Sprintf("Add-Type -AssemblyName Microsoft.VisualBasic; [Microsoft.VisualBasic.Interaction]::InputBox(%s, %s)", psString(text), psString(title))}
	}}
)

func appleString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func psString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// DesktopDialog returns the dialog of this desktop, or nil where there is none: macOS and
// Windows always have one; Linux needs DISPLAY or WAYLAND_DISPLAY and zenity or kdialog.
func DesktopDialog() *Dialog {
	var candidates []dialogDriver
	switch runtime.GOOS {
	case "darwin":
		candidates = []dialogDriver{osascript}
	case "windows":
		candidates = []dialogDriver{powershell}
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return nil
		}
		candidates = []dialogDriver{zenity, kdialog}
	}
	for _, d := range candidates {
		if _, err := exec.LookPath(d.name); err == nil {
			return &Dialog{driver: d}
		}
	}
	return nil
}

// Name implements Source.
func (d *Dialog) Name() string { return d.driver.name + " dialog" }

// Interactive implements Source: a person types the code.
func (*Dialog) Interactive() bool { return true }

// Code implements Source: the dialog names the profile and the device.
func (d *Dialog) Code(ctx context.Context, r Request) (string, error) {
	timeout := d.Timeout
	if timeout == 0 {
		timeout = DialogTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+2*time.Second)
	defer cancel()
	title := "mfacred: MFA code for profile " + r.Profile
	text := fmt.Sprintf("MFA code for profile %s\n(device %s)", r.Profile, r.Device)
	if r.Retry != "" {
		text = r.Retry + "\n\n" + text
	}
	cmd := exec.CommandContext(ctx, d.driver.name, d.driver.args(title, text, timeout)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("profile %s: no code typed into the %s within %s", r.Profile, d.Name(), timeout)
	case err != nil:
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 5 { // zenity's timeout
			return "", fmt.Errorf("profile %s: no code typed into the %s within %s", r.Profile, d.Name(), timeout)
		}
		return "", fmt.Errorf("profile %s: the %s was closed without a code (%v)", r.Profile, d.Name(), err)
	}
	return strings.TrimSpace(out.String()), nil
}
