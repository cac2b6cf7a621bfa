package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/inventory"
)

var clearCmd = &command{
	name:    "clear",
	args:    "[--profile NAME]",
	summary: "forget cached sessions",
	help:    `Forgets every cached session, or with --profile the one that profile uses. Stored keys and seeds stay.`,
	run:     runClear,
}

var statusCmd = &command{
	name:    "status",
	summary: "list cached sessions and when they expire",
	help:    `Prints one line per cached session: the profiles it serves, the device, and the time left (", renewed at the next call" where process would not serve it any more); below it, indented, the role credentials assumed with it. Never a secret.`,
	run:     runStatus,
}

func runClear(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := fs.String("profile", "", "forget only the session (or role credentials) of this profile")
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	n, err := inventory.Clear(ctx, e.store, *profile)
	if err != nil {
		return err
	}
	what := ""
	if *profile != "" {
		what = "profile " + *profile + ": "
	}
	fmt.Fprintf(e.io.Err, "mfacred: %sforgot %d cached session(s)\n", what, n)
	return nil
}

func runStatus(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	inv, err := inventory.Take(ctx, e.store)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	inv.Print(e.io.Out, e.store.KeyringName(), time.Now())
	return nil
}
