package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// A command line a command does not understand is a UsageError naming what was not understood,
// in one line: a flag given twice among them; a profile name with a control character is
// refused, but not as a usage error (the name, not the command line, is wrong).
func TestParse(t *testing.T) {
	t.Setenv("AWS_PROFILE", "")
	for _, tc := range []struct {
		args    []string
		min     int
		usage   string // the UsageError's text ("": none)
		refused bool   // another error
		profile string
	}{
		{args: nil, profile: "default"},
		{args: []string{"--profile", "work", "--env"}, profile: "work"},
		{args: []string{"--profile", "a", "--profile", "b"}, usage: "x: --profile given twice: run `mfacred help x`"},
		{args: []string{"-profile=a", "--profile=a"}, usage: "x: --profile given twice"},
		{args: []string{"--env", "--env=false"}, usage: "x: --env given twice"},
		{args: []string{"--env", "--profile", "a", "--env"}, usage: "x: --env given twice"},
		{args: []string{"--profile", "a", "extra"}, usage: `x: unexpected argument "extra"`},
		{args: []string{"--profile", "a", "--"}, usage: `x: unexpected argument "--"`},
		{args: []string{"--profile="}, usage: "x: --profile needs a name"},
		{args: []string{"--frob"}, usage: "x: flag provided but not defined: -frob"},
		{args: nil, min: 1, usage: "x: missing argument"},
		{args: []string{"--profile", "a\nb"}, refused: true},
		{args: []string{"--profile=a\tb"}, refused: true},
		{args: []string{"--profile", "a\x1bb"}, refused: true},
		{args: []string{"--profile", "my prof"}, profile: "my prof"},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		profile := ProfileFlag(fs)
		fs.Bool("env", false, "")
		err := Parse(fs, tc.args, tc.min, tc.min)
		var usage UsageError
		switch {
		case tc.usage != "":
			if !errors.As(err, &usage) || !strings.HasPrefix(err.Error(), tc.usage) {
				t.Errorf("%q: %v, want the usage error %q", tc.args, err, tc.usage)
			}
		case tc.refused:
			if err == nil || errors.As(err, &usage) || !strings.Contains(err.Error(), "control character") || strings.ContainsAny(err.Error(), "\n\t\x1b") {
				t.Errorf("%q: %v, want one line refusing the name", tc.args, err)
			}
		case err != nil || *profile != tc.profile:
			t.Errorf("%q: profile %q, %v; want %q", tc.args, *profile, err, tc.profile)
		}
	}
}

// A flag wrapped for one parse is unwrapped after it: help shows the flag's own type and
// default, and a second parse of another command line counts afresh.
func TestParseLeavesFlagsAsTheyWere(t *testing.T) {
	var b strings.Builder
	fs := NewFlagSet("x", "[--n N]", "Does x.", &b)
	n := fs.Int("n", 3, "how many")
	if err := Parse(fs, []string{"--n", "4"}, 0, 0); err != nil || *n != 4 {
		t.Fatalf("n = %d, %v", *n, err)
	}
	if err := Parse(fs, []string{"--n", "5"}, 0, 0); err != nil || *n != 5 {
		t.Fatalf("second parse: n = %d, %v", *n, err)
	}
	fs.Usage()
	if want := "  -n int\n    \thow many (default 3)"; !strings.Contains(b.String(), want) {
		t.Fatalf("usage:\n%s\nwant %q", b.String(), want)
	}
}

// The keyring flag given twice, in any spelling, is a usage error, not the command "--keyring".
func TestKeyringChoiceTwice(t *testing.T) {
	for _, args := range [][]string{
		{"--keyring", "os", "--keyring", "kernel", "status"},
		{"--keyring=os", "--keyring=os", "status"},
		{"-keyring", "kernel", "-keyring=os"},
		{"--keyring=kernel", "--keyring"},
	} {
		if _, _, _, err := KeyringChoice(args); err == nil || err.Error() != "--keyring given twice" {
			t.Errorf("%q: %v", args, err)
		}
	}
	if c, _, rest, err := KeyringChoice([]string{"--keyring", "os", "status", "--keyring", "kernel"}); err != nil || c != "os" || len(rest) != 3 {
		t.Errorf("a --keyring after the command is the command's: %q %q %v", c, rest, err)
	}
}

// A flag given an empty value is a usage error naming it; left out, it is no error.
func TestEmptyFlagValue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--role-arn="}, "x: --role-arn needs a value: run `mfacred help x`"},
		{[]string{"--role-arn", ""}, "x: --role-arn needs a value: run `mfacred help x`"},
		{[]string{"-login-session="}, "x: --login-session needs a value: run `mfacred help x`"},
		{[]string{"--role-arn", "r"}, ""},
		{nil, ""},
	} {
		fs := NewFlagSet("x", "", "", io.Discard)
		fs.String("role-arn", "", "")
		fs.String("login-session", "", "")
		if err := Parse(fs, tc.args, 0, 0); err != nil {
			t.Fatal(err)
		}
		err := Empty(fs, "login-session", "role-arn")
		if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && got != tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// A --keyring value that is no keyring is refused where it is read, in both binaries: with
// the command name taken for the value (`mfacred --keyring status`), the run would otherwise
// go on with no command and print the usage without saying what was wrong.
func TestKeyringChoiceRefusesAnUnknownValue(t *testing.T) {
	for _, args := range [][]string{{"--keyring", "status"}, {"--keyring=status"}, {"--keyring", "OS", "status"}, {"-keyring", "kernal", "process"}} {
		_, _, _, err := KeyringChoice(args)
		if err == nil || !strings.Contains(err.Error(), "want os or kernel") || !strings.HasPrefix(err.Error(), "--keyring=") {
			t.Errorf("%q: %v, want --keyring=VALUE: want os or kernel", args, err)
		}
	}
	good := [][]string{{"--keyring", "os", "status"}}
	if runtime.GOOS == "linux" {
		good = append(good, []string{"--keyring=kernel", "status"})
	} else if _, _, _, err := KeyringChoice([]string{"--keyring=kernel", "status"}); err == nil || !strings.Contains(err.Error(), "Linux only") {
		t.Errorf("--keyring=kernel on %s: %v", runtime.GOOS, err)
	}
	for _, args := range good {
		if _, _, rest, err := KeyringChoice(args); err != nil || len(rest) != 1 {
			t.Errorf("%q: %v %q", args, err, rest)
		}
	}
}

// A command's one name comes before or after its flags; with only, any other name is a usage
// error that says which would do.
func TestParseNamed(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		only  []string
		name  string
		usage string
	}{
		{args: []string{"work", "--yes"}, name: "work"},
		{args: []string{"--yes", "work"}, name: "work"},
		{args: []string{"aws-vault", "--yes"}, only: []string{"aws-vault"}, name: "aws-vault"},
		{args: []string{"aws-valt"}, only: []string{"aws-vault"}, usage: `x: unexpected argument "aws-valt" (want aws-vault)`},
		{args: []string{"work", "--yes", "extra"}, usage: `x: unexpected argument "extra"`},
		{args: []string{"--yes"}, usage: "x: missing argument"},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.Bool("yes", false, "")
		name, err := ParseNamed(fs, tc.args, tc.only...)
		var u UsageError
		switch {
		case tc.usage == "" && (err != nil || name != tc.name):
			t.Errorf("%q: %q, %v; want %q", tc.args, name, err, tc.name)
		case tc.usage != "" && (!errors.As(err, &u) || !strings.HasPrefix(err.Error(), tc.usage)):
			t.Errorf("%q: %v, want the usage error %q", tc.args, err, tc.usage)
		}
	}
}
