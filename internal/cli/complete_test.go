package cli

import (
	"slices"
	"strings"
	"testing"
)

// What completes each position: commands, --keyring's values, subcommands, a command's flags,
// profile names after --profile and as add's argument; nothing after help's command.
func TestCandidates(t *testing.T) {
	c := Completer{
		Commands:    []string{"add", "process", "totp", "setup", "serve"},
		Subcommands: map[string][]string{"totp": {"set", "remove"}},
		NameArgs:    []string{"add"},
		Flags: func(cmd string, sub []string) []string {
			return map[string][]string{"process": {"--profile"}, "setup": {"--profile", "--mfa-serial", "--move-keys"}, "totp set": {"--profile"}}[strings.Join(append([]string{cmd}, sub...), " ")]
		},
		Profiles: func() []string { return []string{"work", "prod", "prod eu"} },
	}
	for _, tc := range []struct {
		words, want []string
	}{
		{[]string{"se"}, []string{"serve", "setup"}},
		{nil, []string{"--keyring", "add", "help", "process", "serve", "setup", "totp"}},
		{[]string{"--keyring", ""}, []string{"kernel", "os"}},
		{[]string{"--keyring", "os", "pr"}, []string{"process"}},
		{[]string{"help", "t"}, []string{"totp"}},
		{[]string{"help", "totp", ""}, nil},
		{[]string{"setup", "--m"}, []string{"--mfa-serial", "--move-keys"}},
		{[]string{"process", "--profile", "p"}, []string{"prod", "prod eu"}},
		{[]string{"totp", ""}, []string{"remove", "set"}},
		{[]string{"totp", "set", "--"}, []string{"--profile"}},
		{[]string{"add", "w"}, []string{"work"}},
		{[]string{"add", "work", ""}, nil},
		{[]string{"frob", ""}, nil},
	} {
		if got := c.Candidates(tc.words); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.words, got, tc.want)
		}
	}
}
