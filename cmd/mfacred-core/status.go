package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/mfacred/mfacred/cache"
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
	w := e.io.Out
	fmt.Fprintf(w, "keyring: %s\n", cache.KeyringName(e.store.Keyring))
	if inv.Rebuilt {
		fmt.Fprintln(w, "note: the keyring's record of cached items was damaged and rebuilt from the config's profiles: items of profiles no longer in the config may be missing below (the keychain's own tool shows them); `mfacred clear` removes what is listed and ends this note")
	}
	for _, l := range inv.Logins {
		fmt.Fprintln(w, l)
	}
	if len(inv.Groups) == 0 && len(inv.Unusable) == 0 {
		fmt.Fprintln(w, "no cached sessions")
		return nil
	}
	now := time.Now()
	for _, g := range inv.Groups {
		if g.Cached {
			fmt.Fprintf(w, "%s\tdevice %s\tkeys of %s\t%s\n", g.Names(), g.Entry.Device, g.Entry.Source, g.Left(now))
		} else if g.Entry.Device == "" { // roles on an aws login session, listed above
			fmt.Fprintf(w, "(aws login %s)\n", g.Entry.Source)
		} else {
			fmt.Fprintf(w, "(no cached session)\tdevice %s\tkeys of %s\n", g.Entry.Device, g.Entry.Source)
		}
		for _, r := range g.Roles {
			fmt.Fprintf(w, "  %s\trole %s\tas %s\t%s\n", r.Names(), r.Entry.Role, r.Entry.ARN, r.Left(now))
		}
	}
	for _, u := range inv.Unusable {
		fmt.Fprintf(w, "(%s)\titem %s\t`mfacred clear` removes it\n", u.Why, u.Key)
	}
	return nil
}
