package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/prompt"
)

var totpCmd = &command{
	name:    "totp",
	args:    "set|remove --profile NAME",
	summary: "store or remove the TOTP seed of a profile's MFA device",
	help: `totp set stores the TOTP seed of the profile's device (mfa_serial) in the keyring, so that
mfacred makes codes itself. The seed is read from stdin, or asked for on the terminal when stdin is
a terminal, as base32 (spaces, dashes and lower case are fine) or an otpauth://totp/ URI.
totp remove deletes it.

A seed stored beside the long-term keys turns MFA into one factor: whoever can read your keyring
has both. Prefer a code from your phone, or mfa_process with a password manager, where that matters.`,
	run: runTOTP,
}

func runTOTP(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) == 0 {
		return usageError{"totp", "missing set or remove"}
	}
	if args[0] != "set" && args[0] != "remove" {
		return usageError{"totp", fmt.Sprintf("unexpected argument %q: want set or remove", args[0])}
	}
	action := args[0]
	profile := cli.ProfileFlag(fs)
	if err := cli.Parse(fs, args[1:], 0, 0); err != nil {
		return err
	}
	_, p, err := loadProfile(*profile)
	if err != nil {
		return err
	}
	if p.Login != nil { // awsconfig.Resolve leaves MFASerial empty: there is no device
		return fmt.Errorf("profile %s: its credentials come from the aws login session of profile %s, which uses no MFA device: no seed to %s",
			p.Name, p.Login.Profile, action)
	}
	if action == "remove" {
		if err := e.store.DeleteSeed(ctx, p.MFASerial); err != nil {
			if errors.Is(err, cache.ErrNotFound) {
				return fmt.Errorf("profile %s: no seed stored for device %s", p.Name, p.MFASerial)
			}
			return fmt.Errorf("remove seed of device %s: %w", p.MFASerial, err)
		}
		fmt.Fprintf(e.io.Err, "mfacred: removed the seed of device %s\n", p.MFASerial)
		return nil
	}
	raw, err := prompt.ReadSeed(ctx, e.io.In, p.MFASerial)
	if err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	seed, err := prompt.ParseSeed(raw)
	if err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	if err := e.store.PutSeed(ctx, p.MFASerial, seed); err != nil {
		return err
	}
	fmt.Fprintf(e.io.Err, "mfacred: stored the seed of device %s; mfacred now makes its codes.\n", p.MFASerial)
	if code, left, err := prompt.CodeNow(seed, time.Now()); err == nil {
		fmt.Fprintf(e.io.Err, "mfacred: the code now is %s (for %d more seconds): your authenticator app should show the same; if not, the seed was not copied whole: run `mfacred totp set --profile %s` again\n", code, int(left/time.Second), p.Name)
	}
	fmt.Fprintln(e.io.Err, "mfacred: warning: the seed sits beside the long-term keys in the keyring, so MFA is now one factor: whoever can read your keyring has both.")
	return nil
}
