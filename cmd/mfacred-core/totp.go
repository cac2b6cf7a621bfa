package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/setup"
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
	if action == "remove" {
		return setup.RemoveSeed(ctx, e.store, e.io.Err, p)
	}
	return setup.StoreSeed(ctx, e.store, e.io.In, e.io.Err, p)
}
