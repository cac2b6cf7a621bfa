package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mfacred/mfacred/awsconfig"
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
		for _, c := range candidates(ctx, args[1:]) {
			fmt.Fprintln(e.io.Out, c)
		}
		return nil
	}
	if err := parseArgs(fs, args, 1, 1); err != nil {
		return err
	}
	script, ok := completionScripts[fs.Arg(0)]
	if !ok {
		return usageError{"completion", fmt.Sprintf("unexpected argument %q: want bash, zsh or fish", fs.Arg(0))}
	}
	_, err := io.WriteString(e.io.Out, script)
	return err
}

// candidates is what may complete the last of words, given the ones before it.
func candidates(ctx context.Context, words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	typed, cur := words[:len(words)-1], words[len(words)-1]
	if len(typed) >= 1 && (typed[0] == "--keyring" || typed[0] == "-keyring") {
		if len(typed) == 1 {
			return withPrefix([]string{"os", "kernel"}, cur)
		}
		typed = typed[2:]
	}
	if len(typed) == 0 {
		var names []string
		for _, c := range commands {
			names = append(names, c.name)
		}
		return withPrefix(append(names, "help", "--keyring"), cur)
	}
	name, rest := typed[0], typed[1:]
	if name == "help" {
		if len(rest) > 0 {
			return nil
		}
		var names []string
		for _, c := range commands {
			names = append(names, c.name)
		}
		return withPrefix(names, cur)
	}
	c := find(name)
	if c == nil {
		return nil
	}
	if last := len(rest) - 1; last >= 0 && (rest[last] == "--profile" || rest[last] == "-profile") {
		return withPrefix(profileNames(), cur)
	}
	subs := subcommands[name]
	if len(rest) == 0 && len(subs) > 0 && !strings.HasPrefix(cur, "-") {
		return withPrefix(subs, cur)
	}
	if strings.HasPrefix(cur, "-") {
		var sub []string
		if len(subs) > 0 && len(rest) > 0 {
			sub = rest[:1]
		}
		return withPrefix(flagsOf(ctx, c, sub), cur)
	}
	if (name == "add" || name == "remove") && len(rest) == 0 {
		return withPrefix(profileNames(), cur)
	}
	return nil // the shell completes file names (policy check FILE) or nothing
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

// profileNames lists the profiles of the AWS config file (AWS_CONFIG_FILE), read as botocore
// reads it; none when it cannot be read.
func profileNames() []string {
	files, err := awsconfig.Load()
	if err != nil {
		return nil
	}
	return files.Profiles()
}

func withPrefix(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

var completionScripts = map[string]string{
	"bash": `# bash completion for mfacred (mfacred completion bash)
_mfacred() {
	local IFS=$'\n' c
	COMPREPLY=()
	for c in $(mfacred completion candidates "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null); do
		COMPREPLY+=("$(printf '%q' "$c")")
	done
}
complete -o default -F _mfacred mfacred
`,
	"zsh": `#compdef mfacred
# zsh completion for mfacred (mfacred completion zsh)
_mfacred() {
	local -a reply
	reply=("${(@f)$(mfacred completion candidates "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	if [[ -n "${reply[*]}" ]]; then
		compadd -a reply
	else
		_files
	fi
}
compdef _mfacred mfacred
`,
	"fish": `# fish completion for mfacred (mfacred completion fish)
function __mfacred_candidates
	set -l words (commandline -opc)
	mfacred completion candidates $words[2..-1] (commandline -ct) 2>/dev/null
end
complete -c mfacred -f -a '(__mfacred_candidates)'
complete -c mfacred -n '__fish_seen_subcommand_from check' -F
`,
}
