package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/inventory"
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
	name, err := cli.ParseNamed(fs, args)
	if err != nil {
		return err
	}
	n, hadKeys, err := inventory.Remove(ctx, e.store, name)
	switch {
	case errors.Is(err, inventory.ErrNothing):
		return fmt.Errorf("profile %s: no keys stored in %s and no cached sessions", name, e.store.KeyringName())
	case err != nil:
		return fmt.Errorf("profile %s: %w", name, err)
	case !hadKeys:
		fmt.Fprintf(e.io.Err, "mfacred: profile %s: no keys stored; forgot %d cached session(s)\n", name, n)
	default:
		fmt.Fprintf(e.io.Err, "mfacred: removed the keys of profile %s and forgot %d cached session(s)\n", name, n)
	}
	return nil
}
