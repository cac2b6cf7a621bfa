package cmdline

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/testenv"
)

// awsPython is the AWS CLI v2's Python, as internal/testenv finds it.
func awsPython(t *testing.T) string { t.Helper(); return testenv.AWSPython(t) }

// botocoreSplit splits lines as botocore's compat_shell_split does on platform ("linux":
// shlex.split; "win32": _windows_shell_split), in the AWS CLI's own Python.
func botocoreSplit(t *testing.T, platform string, lines []string) [][]string {
	t.Helper()
	in, _ := json.Marshal(lines)
	script := `
import json, sys
from awscli.botocore.compat import compat_shell_split
print(json.dumps([compat_shell_split(l, sys.argv[2]) for l in json.loads(sys.argv[1])]))
`
	out, err := exec.Command(awsPython(t), "-c", script, string(in), platform).Output()
	if err != nil {
		t.Fatalf("botocore split: %v", err)
	}
	var words [][]string
	if err := json.Unmarshal(out, &words); err != nil || len(words) != len(lines) {
		t.Fatalf("botocore split gave %s: %v", out, err)
	}
	return words
}

// On Linux and macOS the line reads alike for botocore (shlex), for the SDKs (sh -c, run for
// real against a program at that path) and for doctor (SplitCommand).
func TestCredentialProcessPOSIX(t *testing.T) {
	dir := t.TempDir()
	var progs []string
	for _, d := range []string{"plain", "my tools", `it's "here" $HOME`, `back\slash!`} {
		p := filepath.Join(dir, d, "mfacred")
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	type line struct {
		prog, profile, text string
	}
	var lines []line
	var texts []string
	for _, p := range progs {
		for _, prof := range []string{"work", "my prof", `it's`, `a"b`, "$HOME", `x\y`} {
			l, err := CredentialProcess(p, prof, "linux")
			if err != nil {
				t.Fatalf("%s %s: %v", p, prof, err)
			}
			lines = append(lines, line{p, prof, l})
			texts = append(texts, l)
		}
	}
	shlex := botocoreSplit(t, "linux", texts)
	for i, l := range lines {
		want := []string{l.prog, "process", "--profile", l.profile}
		if !reflect.DeepEqual(shlex[i], want) {
			t.Errorf("%s: botocore (shlex) reads %q", l.text, shlex[i])
		}
		out, err := exec.Command("sh", "-c", l.text).Output()
		if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sh -c runs %q (%v)", l.text, got, err)
		}
		if got, err := SplitCommand(l.text, "linux"); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: doctor reads %q (%v)", l.text, got, err)
		}
	}
	if l, _ := CredentialProcess("/usr/local/bin/mfacred", "work", "linux"); l != "/usr/local/bin/mfacred process --profile work" {
		t.Errorf("a plain line is quoted: %s", l)
	}
	if _, err := CredentialProcess("/usr/bin/mfacred", "a\nb", "linux"); err == nil {
		t.Error("a line break was written")
	}
}

// cmdExe models how cmd.exe runs `cmd.exe /d /s /c "LINE"` (the Node SDK; with /s the outer
// quotes go and LINE is read as typed), from `cmd /?` and the C runtime's argument rules:
// outside quotes & | < > ^ ( ) are commands and %NAME% expands everywhere, the program is the
// first word (a quoted one ends at the next "), and the program splits the rest with the
// C runtime's rules, which botocore's _windows_shell_split copies (so SplitCommand serves).
func cmdExe(t *testing.T, line string) (prog string, args []string) {
	t.Helper()
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '%':
			t.Fatalf("%s: cmd.exe expands %%", line)
		case !quoted && strings.ContainsRune("&|<>^()", c):
			t.Fatalf("%s: cmd.exe runs %c outside quotes", line, c)
		}
	}
	rest := line
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		prog, rest = line[1:1+end], line[2+end:]
	} else if i := strings.IndexAny(line, " \t"); i >= 0 {
		prog, rest = line[:i], line[i:]
	}
	args, err := windowsSplit(rest)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return prog, args
}

// goCmdC models the Go SDK on Windows: exec.Command("cmd.exe", "/C", LINE) escapes LINE as one
// argument (quoted when it has blanks, each " as \"), and cmd.exe without /s, finding more
// than two quotes or no program name between them, drops the first and the last quote.
func goCmdC(line string) string {
	if !strings.ContainsAny(line, " \t\"") {
		return line
	}
	escaped := `"` + strings.ReplaceAll(line, `"`, `\"`) + `"`
	return escaped[1 : len(escaped)-1]
}

// On Windows the line reads alike for botocore (_windows_shell_split, in the AWS CLI's own
// Python), for cmd.exe and for doctor; ' is no quote there.
func TestCredentialProcessWindows(t *testing.T) {
	type line struct {
		prog, profile, text string
	}
	var lines []line
	var texts []string
	for _, p := range []string{`C:\Users\you\bin\mfacred.exe`, `C:\Program Files\mfacred\mfacred.exe`, `C:\Users\O'Brien\bin\mfacred.exe`, `C:\a&b (x86)\mfacred.exe`} {
		for _, prof := range []string{"work", "my prof", `it's`, `dir\`, "a&b"} {
			l, err := CredentialProcess(p, prof, "windows")
			if err != nil {
				t.Fatalf("%s %s: %v", p, prof, err)
			}
			lines = append(lines, line{p, prof, l})
			texts = append(texts, l)
		}
	}
	split := botocoreSplit(t, "win32", texts)
	for i, l := range lines {
		want := []string{l.prog, "process", "--profile", l.profile}
		if !reflect.DeepEqual(split[i], want) {
			t.Errorf("%s: botocore on Windows reads %q", l.text, split[i])
		}
		if prog, args := cmdExe(t, l.text); prog != l.prog || !reflect.DeepEqual(args, want[1:]) {
			t.Errorf("%s: cmd.exe runs %q with %q", l.text, prog, args)
		}
		if got, err := SplitCommand(l.text, "windows"); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: doctor reads %q (%v)", l.text, got, err)
		}
		// A line that needs no quotes has none, so the Go SDK's cmd.exe /C runs it as written.
		if !strings.ContainsAny(l.prog+l.profile, " \t&|<>^(),;=") {
			if strings.Contains(l.text, `"`) || goCmdC(l.text) != l.text {
				t.Errorf("%s: quoted though nothing needs it", l.text)
			}
		}
	}
	// The README's line, which doctor used to split into C:Usersyoubinmfacred.exe.
	readme := `C:\Users\you\bin\mfacred.exe process --profile work`
	if got, _ := SplitCommand(readme, "windows"); !reflect.DeepEqual(got, []string{`C:\Users\you\bin\mfacred.exe`, "process", "--profile", "work"}) {
		t.Errorf("doctor splits the README's Windows line into %q", got)
	}
	for _, bad := range []string{`100%`, `a"b`, "a\nb"} {
		if l, err := CredentialProcess(`C:\bin\mfacred.exe`, bad, "windows"); err == nil {
			t.Errorf("profile %q written as %s", bad, l)
		}
	}
}
