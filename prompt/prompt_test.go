package prompt

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
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
		{in: "not base32 1890!", err: "not valid base32"},
		{in: "JBSWY3DP", err: "at least 10"},
		{in: "  ", err: "no seed"},
	} {
		got, err := ParseSeed(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSeed(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
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
		{zenity, `--entry --title mfacred: MFA code for profile o'brien --text MFA code for profile o'brien` + "\n" + `(device "d") --timeout 40`},
		{kdialog, `--title mfacred: MFA code for profile o'brien --inputbox`},
		{osascript, `display dialog "MFA code for profile o'brien` + "\n" + `(device \"d\")" default answer "" with title "mfacred: MFA code for profile o'brien" giving up after 40`},
		{powershell, `[Microsoft.VisualBasic.Interaction]::InputBox('MFA code for profile o''brien` + "\n" + `(device "d")', 'mfacred: MFA code for profile o''brien')`},
	} {
		if got := strings.Join(tc.d.args(title, text, DialogTimeout), " "); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %s\nwant it to contain %s", tc.d.name, got, tc.want)
		}
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	if runtime.GOOS == "linux" && DesktopDialog() != nil {
		t.Error("a dialog without a display")
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
// pending read blocks (issue 15, defect 2; issue 10, defect 4).
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
