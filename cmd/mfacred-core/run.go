package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cli"
)

type stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

type command struct {
	name, args, summary, help string
	run                       func(ctx context.Context, env *env, fs *flag.FlagSet, args []string) error
}

var commands []*command

func init() {
	commands = []*command{
		processCmd, execCmd, loginCmd, setupCmd, doctorCmd, policyCmd, addCmd, removeCmd, totpCmd, clearCmd, statusCmd,
		demoCmd, completionCmd,
		serveCmd,
		versionCmd,
	}
}

const usage = `mfacred makes MFA-protected AWS access invisible: wire it into ~/.aws/config as

  [profile work]
  credential_process = mfacred process --profile work
  mfa_serial = arn:aws:iam::123456789012:mfa/DEVICE-NAME

and every aws, boto3, SDK and Terraform call gets MFA session credentials, cached in the OS
keyring, asking for a code only when the session must be renewed.

Usage: mfacred [--keyring os|kernel] COMMAND [flags]

--keyring (or MFACRED_KEYRING) picks where sessions are cached: os (the Secret Service, the
macOS keychain, the Windows Credential Manager) or kernel (the Linux kernel keyring, sessions
only). Unset: the OS keyring, except on Linux with no D-Bus session bus, where the kernel's.

Commands:
`

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	width := len("help")
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-*s show help for a command\n\nRun `mfacred help COMMAND` for a command's flags.\n", width, "help")
}

func find(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// signalError is the cause of a context ended by a signal.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string {
	if e.sig == syscall.SIGTERM {
		return "stopped by SIGTERM"
	}
	return "stopped by Ctrl-C"
}

// exitError carries a child's exit code.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, args []string, io stdio) int {
	choice, from, args, err := cli.KeyringChoice(args)
	if err != nil {
		fmt.Fprintf(io.Err, "mfacred: %v\n", err)
		return 2
	}
	if len(args) == 0 {
		printUsage(io.Err)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		if n := map[bool]int{true: 2, false: 1}[args[0] == "help"]; len(args) > n {
			fmt.Fprintf(io.Err, "mfacred: %s: unexpected argument %q: run `mfacred --help`\n", args[0], args[n])
			return 2
		}
		if len(args) > 1 {
			c := find(args[1])
			if c == nil {
				fmt.Fprintf(io.Err, "mfacred: no command %q: run `mfacred --help`\n", args[1])
				return 2
			}
			fs := newFlagSet(c, io.Out)
			fs.SetOutput(io.Out)
			fs.Usage()
			return 0
		}
		printUsage(io.Out)
		return 0
	case "--version", "-v":
		args[0] = "version"
	}
	c := find(args[0])
	if c == nil {
		fmt.Fprintf(io.Err, "mfacred: no command %q: run `mfacred --help`\n", args[0])
		return 2
	}
	fs := newFlagSet(c, io.Err)
	kr, err := cache.OpenKeyring(choice, from)
	if err != nil {
		fmt.Fprintf(io.Err, "mfacred: %v\n", err)
		return 2
	}
	store, err := cache.ForNamespace(kr, os.Getenv(cache.NamespaceEnv))
	if err != nil {
		fmt.Fprintf(io.Err, "mfacred: %v\n", err)
		return 2
	}
	e := &env{io: io, store: store}
	if err := c.run(ctx, e, fs, args[1:]); err != nil {
		var code exitError
		var usage usageError
		switch {
		case errors.As(err, &code):
			return int(code)
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &usage):
			fmt.Fprintf(io.Err, "mfacred: %s\n", oneLine(err.Error()))
			return 2
		}
		// Interrupted: whatever the wait was, it ended because of the signal; the status says so
		// as a shell's does (130 for Ctrl-C, 143 for SIGTERM).
		var sig signalError
		if errors.As(context.Cause(ctx), &sig) {
			msg := oneLine(err.Error())
			if !strings.Contains(msg, sig.Error()) {
				msg += " (" + sig.Error() + ")"
			}
			fmt.Fprintf(io.Err, "mfacred: %s\n", msg)
			return 128 + int(sig.sig)
		}
		// The AWS CLI shows a helper's stderr only when it fails, as the error text: one
		// complete sentence (docs/aws-contract.md §1).
		fmt.Fprintf(io.Err, "mfacred: %s\n", oneLine(err.Error()))
		return 1
	}
	return 0
}

// frontPath is the mfacred binary that profiles name in credential_process: the one beside
// this mfacred-core, or this binary itself when there is none (as under `go run`).
func frontPath() (string, error) {
	front, self, err := cli.Sibling("mfacred")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(front); err != nil {
		return self, nil
	}
	return front, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func newFlagSet(c *command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mfacred %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(c.help))
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// usageError is a command line a command does not understand. It exits 2, as a bad flag
// always has, and names what was not understood.
type usageError struct{ cmd, msg string }

func (u usageError) Error() string {
	return fmt.Sprintf("%s: %s: run `mfacred help %s`", u.cmd, u.msg, u.cmd)
}

// parse parses flags and takes no other argument: a stray word (`process work`, the flag
// forgotten) is an error, never a fallback to the default profile.
func parse(fs *flag.FlagSet, args []string) error { return parseArgs(fs, args, 0, 0) }

// parseArgs parses flags and wants min to max other arguments (max < 0: any number). The flag package's own report
// goes nowhere: the usage error is one line that names the argument.
func parseArgs(fs *flag.FlagSet, args []string, min, max int) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return usageError{fs.Name(), err.Error()}
	case max >= 0 && fs.NArg() > max:
		return unexpected(fs, fs.Arg(max))
	case fs.NArg() == 0 && max == 0 && terminated(fs, args):
		return unexpected(fs, "--")
	case fs.NArg() < min:
		return usageError{fs.Name(), "missing argument"}
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "profile" && f.Value.String() == "" {
			err = usageError{fs.Name(), "--profile needs a name"}
		}
	})
	return err
}

// terminated reports whether flag parsing stopped at a "--" rather than taking it as the
// value of a flag (`--profile --`).
func terminated(fs *flag.FlagSet, args []string) bool {
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

// unexpected is the usage error for an argument a command does not take.
func unexpected(fs *flag.FlagSet, arg string) error {
	msg := fmt.Sprintf("unexpected argument %q", arg)
	if fs.Lookup("profile") != nil && !strings.HasPrefix(arg, "-") {
		msg += fmt.Sprintf(" (a profile is named with --profile %s)", arg)
	}
	return usageError{fs.Name(), msg}
}

func profileFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("AWS_PROFILE")
	if def == "" {
		def = "default"
	}
	return fs.String("profile", def, "the profile in the AWS config file (default $AWS_PROFILE or default)")
}

// env holds what the commands share, built on first use.
type env struct {
	io    stdio
	store *cache.Store
}
