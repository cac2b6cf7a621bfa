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
		processCmd, execCmd, setupCmd, doctorCmd, policyCmd, addCmd, totpCmd, clearCmd, statusCmd,
		{name: "version", summary: "print the version", run: func(_ context.Context, e *env, _ *flag.FlagSet, _ []string) error {
			fmt.Fprintln(e.io.Out, "mfacred", version)
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
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "  help      show help for a command\n\nRun `mfacred help COMMAND` for a command's flags.\n")
}

func find(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// errSilent marks an error already reported.
var errSilent = errors.New("")

// exitError carries a child's exit code.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, args []string, io stdio) int {
	choice, args, err := cli.KeyringChoice(args)
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
		if len(args) > 1 && args[0] == "help" {
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
	kr, err := cache.OpenKeyring(choice)
	if err != nil {
		fmt.Fprintf(io.Err, "mfacred: %v\n", err)
		return 2
	}
	e := newEnv(io, kr)
	if err := c.run(ctx, e, fs, args[1:]); err != nil {
		var code exitError
		switch {
		case errors.As(err, &code):
			return int(code)
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errSilent):
			return 2
		}
		// The AWS CLI shows a helper's stderr only when it fails, as the error text: one
		// complete sentence (aws-facts.md §1).
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

// parse parses flags, turning usage errors into errSilent after the flag package reported them.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errSilent
	}
	return nil
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

func newEnv(io stdio, kr cache.Keyring) *env {
	return &env{io: io, store: &cache.Store{Keyring: kr, LockDir: cache.DefaultLockDir()}}
}
