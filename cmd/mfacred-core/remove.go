package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/cache"
)

var removeCmd = &command{
	name:    "remove",
	args:    "NAME",
	summary: "remove the stored keys of a profile and forget its sessions",
	help: `Removes the long-term keys stored for profile NAME (by mfacred add or setup) from the
keyring, and forgets every session and role credential made with keys of NAME. A device's TOTP
seed stays: it belongs to the device, not to the keys (mfacred totp remove deletes it).`,
	run: runRemove,
}

func runRemove(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if err := parseArgs(fs, args, 1, 1); err != nil {
		return err
	}
	name := fs.Arg(0)
	items, err := e.store.SessionsOf(ctx, name)
	if err != nil {
		return fmt.Errorf("profile %s: list sessions: %w", name, err)
	}
	if err := e.store.DropSessionsOf(ctx, name); err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	n := 0
	for _, k := range items {
		if k.IsSession() || k.IsRole() {
			n++
		}
	}
	err = e.store.DeleteKeys(ctx, name)
	switch {
	case errors.Is(err, cache.ErrNotFound) && len(items) == 0:
		return fmt.Errorf("profile %s: no keys stored in %s and no cached sessions", name, cache.KeyringName(e.store.Keyring))
	case errors.Is(err, cache.ErrNotFound):
		fmt.Fprintf(e.io.Err, "mfacred: profile %s: no keys stored; forgot %d cached session(s)\n", name, n)
	case err != nil:
		return fmt.Errorf("profile %s: remove keys: %w", name, err)
	default:
		fmt.Fprintf(e.io.Err, "mfacred: removed the keys of profile %s and forgot %d cached session(s)\n", name, n)
	}
	return nil
}
