package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"
)

// UsageError is a command line a command does not understand. It exits 2, as a bad flag always
// has, and names what was not understood in one line.
type UsageError struct{ Cmd, Msg string }

func (u UsageError) Error() string {
	return fmt.Sprintf("%s: %s: run `mfacred help %s`", u.Cmd, u.Msg, u.Cmd)
}

// ExitError carries an exit code a command chose (a child's, or doctor's 1 for a problem).
type ExitError int

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// NewFlagSet is a command's flag set; its usage text is the command's synopsis, help and flags.
func NewFlagSet(name, args, help string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mfacred %s %s\n\n%s\n", name, args, strings.TrimSpace(help))
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// ProfileFlag defines --profile, whose default is $AWS_PROFILE, else default, as the AWS CLI's.
func ProfileFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("AWS_PROFILE")
	if def == "" {
		def = "default"
	}
	return fs.String("profile", def, "the profile in the AWS config file (default $AWS_PROFILE or default)")
}

// Parse parses flags and wants min to max other arguments (max < 0: any number). A stray word
// (`process work`, the flag forgotten), a flag given twice or an empty --profile is a
// UsageError, never a fallback to a default; the flag package's own report goes nowhere, the
// error is one line that names the argument. A profile name with a control character is
// refused (CheckName).
func Parse(fs *flag.FlagSet, args []string, min, max int) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	twice := countSets(fs)
	err := fs.Parse(args)
	restore(fs)
	fs.SetOutput(out)
	switch {
	case *twice != "":
		return UsageError{fs.Name(), fmt.Sprintf("--%s given twice", *twice)}
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return UsageError{fs.Name(), err.Error()}
	case max >= 0 && fs.NArg() > max:
		return Unexpected(fs, fs.Arg(max))
	case fs.NArg() == 0 && max == 0 && Terminated(fs, args):
		return Unexpected(fs, "--")
	case fs.NArg() < min:
		return UsageError{fs.Name(), "missing argument"}
	}
	if f := fs.Lookup("profile"); f != nil {
		if set(fs, "profile") && f.Value.String() == "" {
			return UsageError{fs.Name(), "--profile needs a name"}
		}
		return CheckName(f.Value.String())
	}
	return nil
}

// ParseNamed is Parse for a command that takes one name, before its flags or after them
// (`mfacred add work --env`): the name, checked by CheckName, and when only is given, one of
// those (`mfacred import aws-vault`).
func ParseNamed(fs *flag.FlagSet, args []string, only ...string) (string, error) {
	var name string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	want := map[bool]int{true: 1, false: 0}[name == ""]
	if err := Parse(fs, args, want, want); err != nil {
		return "", err
	}
	if name == "" {
		name = fs.Arg(0)
	}
	if len(only) > 0 && !slices.Contains(only, name) {
		return "", UsageError{fs.Name(), fmt.Sprintf("unexpected argument %q (want %s)", name, strings.Join(only, " or "))}
	}
	return name, CheckName(name)
}

// CheckName refuses a profile name that holds a control character (`add "a<newline>b"`): no
// config section can be named so, and it would break the one line an error is.
func CheckName(name string) error {
	if strings.IndexFunc(name, unicode.IsControl) < 0 {
		return nil
	}
	return fmt.Errorf("profile %q: a profile name cannot hold a control character (a line break, tab or the like)", name)
}

// Empty is the usage error for the first of the named flags given an empty value
// (`--role-arn=`, `--login-session ""`): a flag given nothing is a mistake, never the flag
// left out (which would quietly do something else).
func Empty(fs *flag.FlagSet, names ...string) error {
	for _, name := range names {
		if f := fs.Lookup(name); f != nil && set(fs, name) && f.Value.String() == "" {
			return UsageError{fs.Name(), "--" + name + " needs a value"}
		}
	}
	return nil
}

func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// Unexpected is the usage error for an argument a command does not take.
func Unexpected(fs *flag.FlagSet, arg string) error {
	msg := fmt.Sprintf("unexpected argument %q", arg)
	if fs.Lookup("profile") != nil && !strings.HasPrefix(arg, "-") {
		msg += fmt.Sprintf(" (a profile is named with --profile %s)", arg)
	}
	return UsageError{fs.Name(), msg}
}

// Terminated reports whether flag parsing stopped at a "--" rather than taking it as the
// value of a flag (`--profile --`).
func Terminated(fs *flag.FlagSet, args []string) bool {
	i := len(args) - fs.NArg() - 1
	if i < 0 || args[i] != "--" {
		return false
	}
	if i > 0 && strings.HasPrefix(args[i-1], "-") && !strings.Contains(args[i-1], "=") {
		if f := fs.Lookup(strings.TrimLeft(args[i-1], "-")); f != nil {
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			return ok && b.IsBoolFlag()
		}
	}
	return true
}

// once wraps a flag's value for one parse and refuses a second Set, naming the flag.
type once struct {
	flag.Value
	name  string
	seen  bool
	twice *string
}

func (o *once) Set(s string) error {
	if o.seen {
		*o.twice = o.name
		return errors.New("given twice")
	}
	o.seen = true
	return o.Value.Set(s)
}

func (o *once) String() string {
	if o == nil || o.Value == nil {
		return ""
	}
	return o.Value.String()
}

// onceBool is once for a boolean flag, which takes no value after it.
type onceBool struct{ *once }

func (onceBool) IsBoolFlag() bool { return true }

// countSets wraps every flag of fs in a once until restore; the name of a flag given twice
// lands in the string returned.
func countSets(fs *flag.FlagSet) *string {
	twice := new(string)
	fs.VisitAll(func(f *flag.Flag) {
		o := &once{Value: f.Value, name: f.Name, twice: twice}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			f.Value = onceBool{o}
		} else {
			f.Value = o
		}
	})
	return twice
}

// restore unwraps what countSets wrapped.
func restore(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		switch v := f.Value.(type) {
		case *once:
			f.Value = v.Value
		case onceBool:
			f.Value = v.Value
		}
	})
}
