package cli

import (
	"slices"
	"sort"
	"strings"

	"github.com/mfacred/mfacred/awsconfig"
)

// Completer is what completion needs to know of the command line: it answers
// `mfacred completion candidates WORD...`, which the shell scripts (Script) call.
type Completer struct {
	Commands    []string                                // the command names
	Subcommands map[string][]string                     // the words a command takes before its flags
	NameArgs    []string                                // the commands whose argument is a profile name
	Flags       func(cmd string, sub []string) []string // a command's flags, as --NAME
	Profiles    func() []string                         // the profiles of the AWS config file
	FlagValues  map[string][]string                     // the values a flag takes, by "COMMAND --NAME"
}

// Candidates is what may complete the last of words, given the ones before it.
func (c Completer) Candidates(words []string) []string {
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
		return withPrefix(append(slices.Clone(c.Commands), "help", "--keyring"), cur)
	}
	name, rest := typed[0], typed[1:]
	switch {
	case name == "help" && len(rest) == 0:
		return withPrefix(c.Commands, cur)
	case !slices.Contains(c.Commands, name):
		return nil
	case len(rest) > 0 && (rest[len(rest)-1] == "--profile" || rest[len(rest)-1] == "-profile"):
		return withPrefix(c.Profiles(), cur)
	case len(rest) > 0 && c.values(name, rest[len(rest)-1]) != nil:
		return withPrefix(c.values(name, rest[len(rest)-1]), cur)
	}
	subs := c.Subcommands[name]
	if len(rest) == 0 && len(subs) > 0 && !strings.HasPrefix(cur, "-") {
		return withPrefix(subs, cur)
	}
	if strings.HasPrefix(cur, "-") {
		var sub []string
		if len(subs) > 0 && len(rest) > 0 {
			sub = rest[:1]
		}
		return withPrefix(c.Flags(name, sub), cur)
	}
	if slices.Contains(c.NameArgs, name) && len(rest) == 0 {
		return withPrefix(c.Profiles(), cur)
	}
	return nil // the shell completes file names (policy check FILE) or nothing
}

// values are the values that flag (as typed: -NAME or --NAME) of command cmd takes, nil if
// FlagValues does not list them.
func (c Completer) values(cmd, flag string) []string {
	if !strings.HasPrefix(flag, "-") {
		return nil
	}
	return c.FlagValues[cmd+" --"+strings.TrimLeft(flag, "-")]
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

// Script is the completion script for shell (bash, zsh or fish); false for another shell.
func Script(shell string) (string, bool) {
	s, ok := scripts[shell]
	return s, ok
}

var scripts = map[string]string{
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

// ConfigProfiles lists the profiles of the AWS config files, nil when they cannot be read: the
// candidates of --profile.
func ConfigProfiles() []string {
	files, err := awsconfig.Load()
	if err != nil {
		return nil
	}
	return files.Profiles()
}
