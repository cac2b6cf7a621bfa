package prompt

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// RFC 6238 appendix B, SHA1, truncated to the 6 digits AWS uses.
func TestGenerateCodeRFC6238(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for sec, want := range map[int64]string{59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"} {
		got, err := GenerateCode(secret, time.Unix(sec, 0))
		if err != nil || got != want {
			t.Errorf("T=%d: %q %v, want %q", sec, got, err, want)
		}
	}
}

func TestParseSeed(t *testing.T) {
	const canon = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	for _, tc := range []struct{ in, want, err string }{
		{in: canon, want: canon},
		{in: "jbsw y3dp-ehpk 3pxp jbsw-y3dp ehpk 3pxp\n", want: canon},
		{in: "otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret=" + canon + "&issuer=Amazon%20Web%20Services", want: canon},
		{in: "otpauth://totp/a?secret=" + canon + "&algorithm=SHA256", err: "algorithm SHA256: AWS devices use SHA1"},
		{in: "otpauth://totp/a?secret=" + canon + "&digits=8", err: "8 digits: AWS devices use 6"},
		{in: "otpauth://totp/a?secret=" + canon + "&period=60", err: "period of 60 s"},
		{in: "otpauth://totp/a?secret=" + canon + "&period=0", err: "period=0, not a positive whole number"},
		{in: "otpauth://totp/a?secret=" + canon + "&period=-30", err: "period=-30, not a positive whole number"},
		{in: "otpauth://totp/a?secret=" + canon + "&digits=-6", err: "digits=-6, not a positive whole number"},
		{in: "otpauth://hotp/a?secret=" + canon, err: `type "hotp"`},
		{in: "otpauth://totp/a?issuer=x", err: "no secret"},
		{in: "otpauth://totp/a%ZZ?secret=" + canon, err: `read otpauth URI: invalid URL escape "%ZZ" (the URI is not shown, it holds the seed): copy it again whole, or give the base32 seed`},
		{in: "otpauth://h:" + canon + "/a?secret=" + canon, err: "read otpauth URI: not a valid URI"},
		{in: "not base32 1890!", err: "not valid base32"},
		{in: "JBSWY3DP", err: "at least 10"},
		{in: "  ", err: "no seed"},
		// Schemes and hosts are case-insensitive (RFC 3986): the type is the host.
		{in: "OTPAUTH://TOTP/a?secret=" + canon, want: canon},
		{in: "OtpAuth://totp/a?secret=" + canon + "&period=30&digits=6&algorithm=sha1", want: canon},
		// A field given empty, or twice, is not read as AWS's default.
		{in: "otpauth://totp/a?secret=" + canon + "&period=", err: "period= with no value"},
		{in: "otpauth://totp/a?secret=" + canon + "&digits=", err: "digits= with no value"},
		{in: "otpauth://totp/a?secret=" + canon + "&algorithm=", err: "algorithm= with no value"},
		{in: "otpauth://totp/a?secret=" + canon + "&period=30&period=60", err: "period more than once"},
		{in: "otpauth://totp/a?secret=" + canon + "&secret=JBSWY3DPEHPK3PXQ", err: "secret more than once"},
	} {
		got, err := ParseSeed(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSeed(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), canon[:8]) {
				t.Errorf("ParseSeed(%q): the error shows the seed: %v", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSeed(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// The terminal source writes its prompt to the terminal and reads the answer from it.
func TestTerminalPromptsOnTheTerminal(t *testing.T) {
	tty := &fakeTTY{in: strings.NewReader(" 654321\n")}
	term := Terminal{Open: func() (io.ReadWriteCloser, error) { return tty, nil }}
	code, err := term.Code(context.Background(), Request{Profile: "work", Device: "arn:aws:iam::1:mfa/phone", Retry: "rejected"})
	if err != nil || code != "654321" {
		t.Fatalf("%q %v", code, err)
	}
	if want := "mfacred: rejected\nmfacred: MFA code for profile work (device arn:aws:iam::1:mfa/phone): "; tty.out.String() != want {
		t.Fatalf("terminal shows %q, want %q", tty.out.String(), want)
	}
}

type fakeTTY struct {
	in  io.Reader
	out strings.Builder
}

func (f *fakeTTY) Read(p []byte) (int, error)  { return f.in.Read(p) }
func (f *fakeTTY) Write(p []byte) (int, error) { return f.out.Write(p) }
func (f *fakeTTY) Close() error                { return nil }

func TestTerminalTimesOut(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Terminal{Open: func() (io.ReadWriteCloser, error) {
		return nopWriter{struct {
			io.Reader
			io.WriteCloser
		}{r, w}}, nil
	}}.Code(ctx, Request{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

type nopWriter struct{ io.ReadWriteCloser }

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

func TestNoTerminal(t *testing.T) {
	_, err := Terminal{Open: func() (io.ReadWriteCloser, error) { return nil, ErrNoTerminal }}.Code(context.Background(), Request{})
	if !errors.Is(err, ErrNoTerminal) {
		t.Fatalf("err = %v", err)
	}
}

// Each dialog driver names the profile and device, with the quoting its program needs.
func TestDialogDrivers(t *testing.T) {
	title, text := `mfacred: MFA code for profile o'brien`, "MFA code for profile o'brien\n(device \"d\")"
	for _, tc := range []struct {
		d    dialogDriver
		want string
	}{
		{zenity, `--entry --title mfacred: MFA code for profile o'brien --text MFA code for profile o'brien` + "\n" + `(device "d") --timeout 32`},
		{kdialog, `--title mfacred: MFA code for profile o'brien --inputbox`},
		{osascript, `display dialog "MFA code for profile o'brien` + "\n" + `(device \"d\")" default answer "" with title "mfacred: MFA code for profile o'brien" giving up after 32`},
		{powershell, `[Microsoft.VisualBasic.Interaction]::InputBox('MFA code for profile o''brien` + "\n" + `(device "d")', 'mfacred: MFA code for profile o''brien')`},
	} {
		args := tc.d.args(title, text, DialogTimeout)
		if tc.d.name == "powershell.exe" {
			args[len(args)-1] = psDecode(t, args[len(args)-1])
		}
		if got := strings.Join(args, " "); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %s\nwant it to contain %s", tc.d.name, got, tc.want)
		}
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	if runtime.GOOS == "linux" && DesktopDialog() != nil {
		t.Error("a dialog without a display")
	}
}

// psDecode undoes -EncodedCommand: base64 of UTF-16LE.
func psDecode(t *testing.T, s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("-EncodedCommand %q: %v", s, err)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// psSingleQuoted reads a PowerShell single-quoted string at the start of s as the language
// specification's lexer does: it opens and ends at any of ' ‘ ’ ‚ ‛, and two of them in a
// row stand for the second. It returns the string's value and what follows it.
func psSingleQuoted(t *testing.T, s string) (value, rest string) {
	quote := func(r rune) bool { return strings.ContainsRune("'\u2018\u2019\u201a\u201b", r) }
	rs := []rune(s)
	if len(rs) == 0 || !quote(rs[0]) {
		t.Fatalf("%q does not start with a single quote", s)
	}
	var v []rune
	for i := 1; i < len(rs); i++ {
		if !quote(rs[i]) {
			v = append(v, rs[i])
			continue
		}
		if i+1 < len(rs) && quote(rs[i+1]) {
			v = append(v, rs[i+1])
			i++
			continue
		}
		return string(v), string(rs[i+1:])
	}
	t.Fatalf("%q: unterminated string", s)
	return "", ""
}

// Curly single quotes end a PowerShell single-quoted string too.
func TestPSString(t *testing.T) {
	for _, s := range []string{"o'brien", "o\u2018brien\u2019s \u201aquote\u201b", "\u2019", "''\u2019'", "plain", ""} {
		got, rest := psSingleQuoted(t, psString(s)+"; rest")
		if got != s || rest != "; rest" {
			t.Errorf("psString(%q) = %s reads back as %q then %q", s, psString(s), got, rest)
		}
	}
}

// Each program's Cancel and time-out are read as such, not as a wrong code.
func TestDialogAnswers(t *testing.T) {
	for _, tc := range []struct {
		d              dialogDriver
		stdout, stderr string
		exit           int
		want           string
		err            error
	}{
		{d: zenity, stdout: "123456\n", want: "123456\n"},
		{d: zenity, exit: 1, err: ErrCancelled},
		{d: zenity, exit: 5, err: errGaveUp},
		{d: kdialog, stdout: "123456\n", want: "123456\n"},
		{d: kdialog, exit: 1, err: ErrCancelled},
		{d: osascript, stdout: "123456\n", want: "123456\n"},
		{d: osascript, stderr: "0:130: execution error: User canceled. (-128)\n", exit: 1, err: ErrCancelled},
		{d: osascript, stderr: "0:160: execution error: gave up (-1712)\n", exit: 1, err: errGaveUp},
		{d: powershell, stdout: "123456\r\n", want: "123456\r\n"},
		{d: powershell, stdout: "\r\n", err: ErrCancelled},
		{d: powershell, exit: 0, err: ErrCancelled},
	} {
		got, err := tc.d.answer(tc.stdout, tc.stderr, tc.exit)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s %q %q %d: %q %v, want %q %v", tc.d.name, tc.stdout, tc.stderr, tc.exit, got, err, tc.want, tc.err)
		}
	}
	for _, d := range []dialogDriver{zenity, kdialog, osascript, powershell} {
		if _, err := d.answer("", "oops", 3); err == nil || errors.Is(err, ErrCancelled) || errors.Is(err, errGaveUp) {
			t.Errorf("%s exit 3: %v, want a failure", d.name, err)
		}
	}
}

// A cancelled or unanswered dialog ends the prompt with a sentence that says so, and a
// sentinel that stops the caller from asking again.
func TestDialogCancelAndTimeOut(t *testing.T) {
	r := Request{Profile: "work", Device: "arn:aws:iam::1:mfa/phone"}
	for _, tc := range []struct {
		script string
		answer func(stdout, stderr string, exit int) (string, error)
		err    error
		want   string
	}{
		{"exit 0", powershell.answer, ErrCancelled, "profile work: MFA code prompt cancelled in the sh dialog (device arn:aws:iam::1:mfa/phone)"},
		{"exit 1", zenity.answer, ErrCancelled, "cancelled in the sh dialog"},
		{"exit 5", zenity.answer, ErrTimedOut, "profile work: MFA code prompt timed out: nothing was typed into the sh dialog within 32s (device arn:aws:iam::1:mfa/phone)"},
		{"echo typed-secret >&2; exit 9", zenity.answer, nil, "profile work: the sh dialog failed (exit status 9)"},
	} {
		d := &Dialog{driver: dialogDriver{name: "sh", answer: tc.answer,
			args: func(string, string, time.Duration) []string { return []string{"-c", tc.script} }}}
		_, err := d.Code(context.Background(), r)
		if err == nil || !strings.Contains(err.Error(), tc.want) || tc.err != nil && !errors.Is(err, tc.err) || strings.Contains(err.Error(), "typed-secret") {
			t.Errorf("%s: %v, want %q", tc.script, err, tc.want)
		}
	}
}

// stuckConsole behaves like CONIN$ on Windows: a read waits for Enter, and closing the
// console under a pending read waits for that read to end.
type stuckConsole struct {
	enter, readDone chan struct{}
}

func newStuckConsole(t *testing.T) *stuckConsole {
	c := &stuckConsole{enter: make(chan struct{}), readDone: make(chan struct{})}
	t.Cleanup(func() { close(c.enter) })
	return c
}

func (c *stuckConsole) Read([]byte) (int, error) {
	<-c.enter
	close(c.readDone)
	return 0, io.EOF
}
func (c *stuckConsole) Write(p []byte) (int, error) { return len(p), nil }
func (c *stuckConsole) Close() error                { <-c.readDone; return nil }

// The terminal prompt and Ask end when ctx ends, even where closing the console under a
// pending read blocks.
func TestPromptsEndWithContextOnAStuckConsole(t *testing.T) {
	for name, ask := range map[string]func(context.Context, io.ReadWriteCloser) error{
		"terminal": func(ctx context.Context, c io.ReadWriteCloser) error {
			_, err := Terminal{Open: func() (io.ReadWriteCloser, error) { return c, nil }}.Code(ctx, Request{Profile: "work"})
			return err
		},
		"ask": func(ctx context.Context, c io.ReadWriteCloser) error {
			_, err := askOn(ctx, c, c, -1, "Access key ID: ", false)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- ask(ctx, newStuckConsole(t)) }()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the prompt did not end when its context was cancelled")
			}
		})
	}
}

// A Windows console without a window (CREATE_NO_WINDOW) is no terminal: the dialog asks.
func TestHiddenConsoleFallsBackToTheDialog(t *testing.T) {
	if err := consoleShown(0x20a4e); err != nil {
		t.Fatalf("a console with a window: %v", err)
	}
	hidden := consoleShown(0)
	if !errors.Is(hidden, ErrNoTerminal) {
		t.Fatalf("a console without a window: %v, want ErrNoTerminal", hidden)
	}
	dialog := &fixedSource{code: "123456"}
	code, err := Terminal{Open: func() (io.ReadWriteCloser, error) { return nil, hidden }, Fallback: dialog}.
		Code(context.Background(), Request{Profile: "work"})
	if err != nil || code != "123456" || dialog.asked != 1 {
		t.Fatalf("%q %v, dialog asked %d times", code, err, dialog.asked)
	}
}

type fixedSource struct {
	code  string
	asked int
}

func (f *fixedSource) Code(context.Context, Request) (string, error) { f.asked++; return f.code, nil }
func (*fixedSource) Interactive() bool                               { return true }
func (*fixedSource) Name() string                                    { return "dialog" }

// The code totp set shows is the RFC 6238 code of the seed now, with the seconds it is shown.
func TestCodeNow(t *testing.T) {
	// RFC 6238's SHA1 seed "12345678901234567890", base32; T = 59 s gives 287082.
	const rfc = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	code, left, err := CodeNow(rfc, time.Unix(59, 0))
	if err != nil || code != "287082" || left != time.Second {
		t.Fatalf("%q %s %v, want 287082 for 1 s", code, left, err)
	}
	if _, left, _ := CodeNow(rfc, time.Unix(60, 0)); left != 30*time.Second {
		t.Fatalf("at a step's start: %s left", left)
	}
}
