package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every command stops at its flag parse when run with --help, so completion can list its flags
// without the command doing anything (a command that went on would find no keyring here).
// Two have no flags to list there: totp before set or remove, and completion after a shell.
func TestEveryCommandStopsAtHelp(t *testing.T) {
	ctx := context.Background()
	for _, c := range commands {
		subs := [][]string{nil}
		for _, s := range subcommands[c.name] {
			subs = append(subs, []string{s})
		}
		for _, sub := range subs {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("mfacred %s %v --help went past its flag parse: %v", c.name, sub, r)
					}
				}()
				fs := newFlagSet(c, io.Discard)
				err := c.run(ctx, &env{io: stdio{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}}, fs, append(sub, "--help"))
				if noFlags := c.name == "totp" && sub == nil || c.name == "completion" && sub != nil; !noFlags && !errors.Is(err, flag.ErrHelp) {
					t.Errorf("mfacred %s %v --help: %v, want it to stop at the flag parse", c.name, sub, err)
				}
			}()
		}
	}
}

// The candidates of the real command table: commands, flags as each command defines them,
// subcommands, and the profiles of the config file.
func TestCompletionCandidates(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(cfg, []byte("[default]\n[profile work]\n[profile 'prod eu']\n[profile prod]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
	c := completer(context.Background())
	for _, tc := range []struct{ words, want []string }{
		{[]string{"s"}, []string{"serve", "setup", "status"}},
		{[]string{"setup", "--"}, []string{"--env", "--login-session", "--mfa-serial", "--move-keys", "--profile", "--role-arn", "--session-tags", "--source-identity", "--transitive-session-tags", "--verify"}},
		{[]string{"doctor", "--"}, []string{"--profile", "--spend-code"}},
		{[]string{"add", "work", "--"}, []string{"--env", "--no-verify"}},
		{[]string{"totp", "set", "--"}, []string{"--profile"}},
		{[]string{"totp", ""}, []string{"remove", "set"}},
		{[]string{"completion", ""}, []string{"bash", "fish", "zsh"}},
		{[]string{"process", "--profile", "p"}, []string{"prod", "prod eu"}},
		{[]string{"remove", ""}, []string{"default", "prod", "prod eu", "work"}},
		{[]string{"r"}, []string{"remove", "rotate"}},
		{[]string{"rotate", "--"}, []string{"--profile"}},
		{[]string{"rotate", "--profile", "w"}, []string{"work"}},
		{[]string{"--keyring", "kernel", "help", "cl"}, []string{"clear"}},
		{[]string{"status", "--"}, nil},
		{[]string{"export", "--"}, []string{"--format", "--profile"}},
		{[]string{"export", "--format", ""}, []string{"env", "env-no-export", "export-env", "ini", "json", "powershell", "process", "windows-cmd"}},
		{[]string{"export", "--profile", "work", "-format", "e"}, []string{"env", "env-no-export", "export-env"}},
		{[]string{"export", "--format", "env", ""}, nil},
	} {
		if got := c.Candidates(tc.words); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.words, got, tc.want)
		}
	}
	all := c.Candidates([]string{""})
	for _, cmd := range commands {
		if !slices.Contains(all, cmd.name) {
			t.Errorf("command %s is not a candidate: %q", cmd.name, all)
		}
	}
}
