package main

import (
	"context"
	"slices"
	"testing"
)

// Every command stops at its flag parse when run with --help, so completion can list its flags
// without the command doing anything (a command that went on would find no keyring here).
func TestFlagsOfEveryCommand(t *testing.T) {
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
				flagsOf(ctx, c, sub)
			}()
		}
	}
	if got := flagsOf(ctx, find("setup"), nil); !slices.Contains(got, "--profile") || !slices.Contains(got, "--mfa-serial") {
		t.Errorf("setup's flags: %v", got)
	}
	if got := flagsOf(ctx, find("totp"), []string{"set"}); !slices.Equal(got, []string{"--profile"}) {
		t.Errorf("totp set's flags: %v", got)
	}
}
