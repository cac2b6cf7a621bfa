package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/rotate"
	"github.com/mfacred/mfacred/setup"
)

var addCmd = &command{
	name:    "add",
	args:    "NAME [--env] [--no-verify]",
	summary: "store the long-term keys of an IAM user in the keyring",
	help: `Stores the IAM user's long-term access keys for profile NAME in the OS keyring. The keys
are read from the terminal (the secret is not echoed) or, with --env, from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY; never from the command line.

The new keys are checked with AWS first (sts:GetCallerIdentity, allowed without MFA): keys AWS
rejects are not stored and the old ones stay. --no-verify stores them unchecked, for offline
use. Replacing a profile's keys forgets the sessions made with the old ones; mfacred remove NAME
removes them.`,
	run: runAdd,
}

func runAdd(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	fromEnv := fs.Bool("env", false, "read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	noVerify := fs.Bool("no-verify", false, "store the keys without checking them with AWS (offline)")
	name, err := cli.ParseNamed(fs, args)
	if err != nil {
		return err
	}
	if err = setup.CheckAdd(name); err != nil {
		return err
	}
	keys, err := setup.ReadKeys(ctx, name, *fromEnv)
	if err != nil {
		return err
	}
	who, err := setup.Add(ctx, e.store, name, keys, !*noVerify)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.io.Err, "mfacred: stored the keys of profile %s (access key %s, %s) in the keyring\n", name, keys.AccessKeyID, who)
	return nil
}

var rotateCmd = &command{name: "rotate", args: "--profile NAME", summary: "replace the access key of the profile's IAM user with a new one",
	help: "Creates a new access key for the profile's IAM user with its MFA session (as process gets it), checks that AWS accepts it, stores it in the keyring in place of the old one, then deletes the old one. A user with two keys already is told so, and nothing changes. Sessions made with the old key serve until they expire.",
	run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
		profile := cli.ProfileFlag(fs)
		if err := cli.Parse(fs, args, 0, 0); err != nil {
			return err
		}
		return rotate.Run(ctx, e.store, *profile, e.io.Err)
	}}
