package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"

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
		processCmd, exportCmd, execCmd, loginCmd, setupCmd, doctorCmd, policyCmd, addCmd, removeCmd, totpCmd, clearCmd, statusCmd,
		demoCmd, completionCmd,
		serveCmd, rotateCmd, importCmd,
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
	if i := slices.IndexFunc(commands, func(c *command) bool { return c.name == name }); i >= 0 {
		return commands[i]
	}
	return nil
}

// The CLI kit is internal/cli; these short names are what the command files use. usageError
// is a cli.UsageError written usageError{cmd, msg}.
type (
	exitError  = cli.ExitError
	usageError struct{ cmd, msg string }
)

func (u usageError) Error() string { return u.Unwrap().Error() }
func (u usageError) Unwrap() error { return cli.UsageError{Cmd: u.cmd, Msg: u.msg} }

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
	store, err := cli.OpenStore(choice, from)
	if err != nil {
		fmt.Fprintf(io.Err, "mfacred: %v\n", err)
		return 2
	}
	err = c.run(ctx, &env{io: io, store: store}, newFlagSet(c, io.Err), args[1:])
	return cli.ExitCode(ctx, err, io.Err)
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

func newFlagSet(c *command, out io.Writer) *flag.FlagSet {
	return cli.NewFlagSet(c.name, c.args, c.help, out)
}

// env holds what the commands share, built on first use.
type env struct {
	io    stdio
	store *cache.Store
}
