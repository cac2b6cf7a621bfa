package prompt

import (
	"strings"
	"testing"
)

// cmdRuns is what cmd.exe runs of line, by the rules `cmd /?` documents: the text after /C
// is the command; with /S, when it starts with a quote, that quote and the last quote of the
// line are removed and nothing else is changed.
func cmdRuns(t *testing.T, line string) string {
	t.Helper()
	exe, rest, ok := strings.Cut(strings.TrimPrefix(line, `"`), `" `)
	if !ok || !strings.HasPrefix(line, `"`) || strings.Contains(exe, `"`) {
		t.Fatalf("%s: program name not quoted", line)
	}
	slashS := false
	for {
		sw, after, _ := strings.Cut(rest, " ")
		switch strings.ToLower(sw) {
		case "/d":
			rest = after
			continue
		case "/s":
			slashS, rest = true, after
			continue
		case "/c":
			rest = after
		default:
			t.Fatalf("%s: unexpected %q before /c", line, sw)
		}
		break
	}
	if !slashS {
		t.Fatalf("%s: without /s cmd.exe keeps the quotes in some cases", line)
	}
	if !strings.HasPrefix(rest, `"`) {
		return rest
	}
	last := strings.LastIndex(rest, `"`)
	return rest[1:last] + rest[last+1:]
}

// mfa_process reaches cmd.exe as written, double quotes included: exec's
// escaping made `op item get "AWS prod"` reach op as `\"AWS prod\"`.
func TestCmdLine(t *testing.T) {
	comspec := `C:\Windows\System32\cmd.exe`
	for _, command := range []string{
		`op item get "AWS prod" --otp`,
		`"C:\Program Files\Yubico\ykman.exe" oath accounts code -s "Amazon Web Services:alice@1234"`,
		`echo "a & b" & echo c | findstr c`,
		`"`,
		`x ""`,
		`ykman oath accounts code aws%USERNAME%`,
	} {
		line, err := cmdLine(comspec, command)
		if err != nil {
			t.Fatalf("%s: %v", command, err)
		}
		if got := cmdRuns(t, line); got != command {
			t.Errorf("cmd.exe runs %s\nof %s\nwant %s", got, line, command)
		}
		if !strings.HasPrefix(line, `"`+comspec+`" `) {
			t.Errorf("%s: does not start with the quoted cmd.exe", line)
		}
	}
	for _, command := range []string{"op item get x\r\n--otp", "a\nb", "a\x00b"} {
		if _, err := cmdLine(comspec, command); err == nil || strings.Contains(err.Error(), command) {
			t.Errorf("%q: %v, want an error that does not repeat the command", command, err)
		}
	}
}
