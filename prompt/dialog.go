package prompt

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/mfacred/mfacred/deadline"
)

// DialogTimeout bounds a dialog, well inside the Go SDK's 60 s kill of the whole helper
// (docs/aws-contract.md §2).
const DialogTimeout = deadline.Dialog

// Dialog asks for a code in a desktop dialog, for callers that have no terminal (IDEs, GUI
// apps): one small driver per platform program, since the usual Go dialog library does not
// download here.
type Dialog struct {
	driver  dialogDriver
	Timeout time.Duration
}

// dialogDriver is the command line of one dialog program showing title and text, and how to
// read its answer.
type dialogDriver struct {
	name string
	args func(title, text string, timeout time.Duration) []string
	// answer reads what the program printed and its exit status: the text typed, or
	// ErrCancelled, or errGaveUp when the dialog's own timer ran out.
	answer func(stdout, stderr string, exit int) (string, error)
}

var errGaveUp = errors.New("the dialog gave up waiting")

var (
	// zenity exits 1 on Cancel (or Escape, or closing the window) and 5 on --timeout.
	zenity = dialogDriver{name: "zenity",
		args: func(title, text string, t time.Duration) []string {
			return []string{"--entry", "--title", title, "--text", text, "--timeout", strconv.Itoa(int(t.Seconds()))}
		},
		answer: func(stdout, _ string, exit int) (string, error) {
			return byExitStatus(stdout, exit, map[int]error{1: ErrCancelled, 5: errGaveUp})
		}}
	// kdialog exits 1 on Cancel; it has no timer of its own.
	kdialog = dialogDriver{name: "kdialog",
		args: func(title, text string, _ time.Duration) []string {
			return []string{"--title", title, "--inputbox", text}
		},
		answer: func(stdout, _ string, exit int) (string, error) {
			return byExitStatus(stdout, exit, map[int]error{1: ErrCancelled})
		}}
	// osascript: Cancel is AppleScript error -128 ("User canceled."); a dialog that gave up
	// returns normally with `gave up` set, which the script turns into error -1712 (the
	// AppleEvent time-out) so that it cannot pass for an empty answer.
	osascript = dialogDriver{name: "osascript",
		args: func(title, text string, t time.Duration) []string {
			return []string{
				"-e", fmt.Sprintf(`set dialogResult to display dialog %s default answer "" with title %s giving up after %d`, appleString(text), appleString(title), int(t.Seconds())),
				"-e", `if gave up of dialogResult then error "gave up" number -1712`,
				"-e", "text returned of dialogResult"}
		},
		answer: func(stdout, stderr string, exit int) (string, error) {
			switch {
			case exit == 0:
				return stdout, nil
			case strings.Contains(stderr, "(-128)"):
				return "", ErrCancelled
			case strings.Contains(stderr, "(-1712)"):
				return "", errGaveUp
			}
			return "", fmt.Errorf("exit status %d", exit)
		}}
	// PowerShell's InputBox returns "" on Cancel, the same as OK on an empty field: both
	// end the prompt. The script goes base64-encoded (-EncodedCommand), so that no quoting
	// of the Windows command line can change it.
	powershell = dialogDriver{name: "powershell.exe",
		args: func(title, text string, _ time.Duration) []string {
			script := fmt.Sprintf("Add-Type -AssemblyName Microsoft.VisualBasic; [Microsoft.VisualBasic.Interaction]::InputBox(%s, %s)", psString(text), psString(title))
			return []string{"-NoProfile", "-NonInteractive", "-EncodedCommand", psEncode(script)}
		},
		answer: func(stdout, _ string, exit int) (string, error) {
			if exit == 0 && strings.TrimSpace(stdout) == "" {
				return "", ErrCancelled
			}
			return byExitStatus(stdout, exit, nil)
		}}
)

// byExitStatus is the answer of a program that prints the text typed and exits 0, or
// exits with a status that means one of errs.
func byExitStatus(stdout string, exit int, errs map[int]error) (string, error) {
	if exit == 0 {
		return stdout, nil
	}
	if err, ok := errs[exit]; ok {
		return "", err
	}
	return "", fmt.Errorf("exit status %d", exit)
}

func appleString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// psString quotes s for PowerShell: a single-quoted string ends at any of the four
// single-quote characters PowerShell knows (' ‘ ’ ‚ ‛), and each is doubled to stand for
// itself.
func psString(s string) string {
	return "'" + strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b").Replace(s) + "'"
}

// psEncode is script as -EncodedCommand takes it: base64 of its UTF-16LE bytes.
func psEncode(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

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

// Code implements Source: the dialog names the profile and the device. Cancel ends the
// prompt with ErrCancelled and a dialog left unanswered with ErrTimedOut: neither is asked
// again.
func (d *Dialog) Code(ctx context.Context, r Request) (string, error) {
	timeout := d.Timeout
	if timeout == 0 {
		timeout = DialogTimeout
	}
	// The program's own timer (where it has one) runs out first; this one ends the others,
	// and the wait for the program to exit takes the rest of deadline.DialogGrace.
	const waitDelay = time.Second
	dctx, cancel := context.WithTimeoutCause(ctx, timeout+deadline.DialogGrace-waitDelay, errGaveUp)
	defer cancel()
	title := "mfacred: MFA code for profile " + r.Profile
	text := fmt.Sprintf("MFA code for profile %s\n(device %s)", r.Profile, r.Device)
	if r.Retry != "" {
		text = r.Retry + "\n\n" + text
	}
	cmd := exec.CommandContext(dctx, d.driver.name, d.driver.args(title, text, timeout)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	exit := 0
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("profile %s: no code typed into the %s: %w", r.Profile, d.Name(), ctx.Err())
	case context.Cause(dctx) == errGaveUp:
		err = errGaveUp
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	case err != nil:
		return "", fmt.Errorf("profile %s: show the %s: %w", r.Profile, d.Name(), err)
	}
	code := ""
	if err != errGaveUp {
		code, err = d.driver.answer(out.String(), errOut.String(), exit)
	}
	switch {
	case errors.Is(err, ErrCancelled):
		return "", fmt.Errorf("profile %s: %w in the %s (device %s)", r.Profile, ErrCancelled, d.Name(), r.Device)
	case errors.Is(err, errGaveUp):
		return "", fmt.Errorf("profile %s: %w: nothing was typed into the %s within %s (device %s)", r.Profile, ErrTimedOut, d.Name(), timeout, r.Device)
	case err != nil:
		// What the program printed on stderr is not repeated: it may hold what was typed.
		return "", fmt.Errorf("profile %s: the %s failed (%v)", r.Profile, d.Name(), err)
	}
	return strings.TrimSpace(code), nil
}
