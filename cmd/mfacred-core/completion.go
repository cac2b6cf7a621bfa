package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mfacred/mfacred/export"
	"github.com/mfacred/mfacred/internal/cli"
)

var completionCmd = &command{
	name:    "completion",
	args:    "bash|zsh|fish",
	summary: "print a shell completion script",
	help: `completion prints a script that completes mfacred's commands, their flags, and profile
names from the AWS config file in bash, zsh or fish. Load it from your shell's start-up file:

  bash:  source <(mfacred completion bash)            (in ~/.bashrc)
  zsh:   source <(mfacred completion zsh)             (in ~/.zshrc, after compinit)
  fish:  mfacred completion fish | source             (in ~/.config/fish/config.fish)

The scripts ask mfacred for the candidates: mfacred completion candidates WORD... prints, one
per line, what may follow the words typed so far (the last is the word being completed).`,
	run: runCompletion,
}

// subcommands are the words a command takes before its flags.
var subcommands = map[string][]string{
	"policy":     {"check"},
	"totp":       {"set", "remove"},
	"completion": {"bash", "zsh", "fish"},
}

func runCompletion(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 && args[0] == "candidates" {
		for _, c := range completer(ctx).Candidates(args[1:]) {
			fmt.Fprintln(e.io.Out, c)
		}
		return nil
	}
	if err := cli.Parse(fs, args, 1, 1); err != nil {
		return err
	}
	script, ok := cli.Script(fs.Arg(0))
	if !ok {
		return usageError{"completion", fmt.Sprintf("unexpected argument %q: want bash, zsh or fish", fs.Arg(0))}
	}
	_, err := io.WriteString(e.io.Out, script)
	return err
}

// completer knows mfacred's command line: the commands, their flags and the config's profiles.
func completer(ctx context.Context) cli.Completer {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return cli.Completer{
		Commands: names, Subcommands: subcommands, NameArgs: []string{"add", "remove"},
		Flags:    func(cmd string, sub []string) []string { return flagsOf(ctx, find(cmd), sub) },
		Profiles: cli.ConfigProfiles, FlagValues: map[string][]string{"export --format": export.Choices()},
	}
}

// flagsOf lists a command's flags as --NAME. The commands define their flags as they run and
// parse them before they do anything else, so a run with --help stops at the parse (with
// flag.ErrHelp) and leaves the flags defined.
func flagsOf(ctx context.Context, c *command, sub []string) []string {
	fs := newFlagSet(c, io.Discard)
	err := c.run(ctx, &env{io: stdio{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}}, fs, append(sub, "--help"))
	if !errors.Is(err, flag.ErrHelp) {
		return nil
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
	return names
}
