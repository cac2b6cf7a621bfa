package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cli"
)

// version is set at build time by install.sh.
var version = "dev"

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
		{name: "version", summary: "print the version", run: func(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if err := parse(fs, args); err != nil {
				return err
			}
			fmt.Fprintln(e.io.Out, "mfacred", moduleVersion(version))
			return nil
		}},
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

// The CLI kit lives in internal/cli; these names keep the command files short.
type exitError = cli.ExitError

// usageError is a cli.UsageError the command files write as usageError{cmd, msg}.
type usageError struct{ cmd, msg string }

func (u usageError) Error() string { return u.Unwrap().Error() }
func (u usageError) Unwrap() error { return cli.UsageError{Cmd: u.cmd, Msg: u.msg} }

var (
	profileFlag = cli.ProfileFlag
	unexpected  = cli.Unexpected
	terminated  = cli.Terminated
	frontPath   = cli.Front
)

// parse parses flags and takes no other argument (cli.Parse).
func parse(fs *flag.FlagSet, args []string) error { return cli.Parse(fs, args, 0, 0) }

// parseArgs parses flags and wants min to max other arguments (max < 0: any number).
func parseArgs(fs *flag.FlagSet, args []string, min, max int) error {
	return cli.Parse(fs, args, min, max)
}

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
		return help(args, io)
	case "--version", "-v":
		args[0] = "version"
	}
	c := find(args[0])
	if c == nil {
		fmt.Fprintf(io.Err, "mfacred: no command %q: run `mfacred --help`\n", args[0])
		return 2
	}
	kr, err := cache.OpenKeyring(choice, from)
	var store *cache.Store
	if err == nil {
		store, err = cache.ForNamespace(kr, os.Getenv(cache.NamespaceEnv))
	}
	if err != nil {
		fmt.Fprintf(io.Err, "mfacred: %v\n", err)
		return 2
	}
	err = c.run(ctx, &env{io: io, store: store}, newFlagSet(c, io.Err), args[1:])
	return exitCode(ctx, err, io.Err)
}

// help prints the usage of mfacred (`mfacred --help`) or of a command (`mfacred help NAME`).
func help(args []string, io stdio) int {
	if n := map[bool]int{true: 2, false: 1}[args[0] == "help"]; len(args) > n {
		fmt.Fprintf(io.Err, "mfacred: %s: unexpected argument %q: run `mfacred --help`\n", args[0], args[n])
		return 2
	}
	if len(args) == 1 {
		printUsage(io.Out)
		return 0
	}
	c := find(args[1])
	if c == nil {
		fmt.Fprintf(io.Err, "mfacred: no command %q: run `mfacred --help`\n", args[1])
		return 2
	}
	newFlagSet(c, io.Out).Usage()
	return 0
}

// exitCode reports a command's error on w, in one line, and returns the exit status for it.
func exitCode(ctx context.Context, err error, w io.Writer) int {
	var code exitError
	var usage cli.UsageError
	var sig cli.SignalError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(w, "mfacred: %s\n", oneLine(err.Error()))
		return 2
	case errors.As(context.Cause(ctx), &sig):
		// Interrupted: whatever the wait was, it ended because of the signal; the status says
		// so as a shell's does (130 for Ctrl-C, 143 for SIGTERM).
		msg := oneLine(err.Error())
		if !strings.Contains(msg, sig.Error()) {
			msg += " (" + sig.Error() + ")"
		}
		fmt.Fprintf(w, "mfacred: %s\n", msg)
		return 128 + int(sig.Sig)
	}
	// The AWS CLI shows a helper's stderr only when it fails, as the error text: one complete
	// sentence (docs/aws-contract.md §1).
	fmt.Fprintf(w, "mfacred: %s\n", oneLine(err.Error()))
	return 1
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func newFlagSet(c *command, out io.Writer) *flag.FlagSet {
	return cli.NewFlagSet(c.name, c.args, c.help, out)
}

// env holds what the commands share, built on first use.
type env struct {
	io    stdio
	store *cache.Store
}
