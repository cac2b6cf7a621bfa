package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/setup"
)

var setupCmd = &command{
	name:    "setup",
	args:    "--profile NAME [--env] [--mfa-serial SERIAL] [--move-keys] [--login-session PROFILE [--role-arn ARN [--session-tags K=V,... --transitive-session-tags K,... --source-identity ID]]] [--verify=false]",
	summary: "store keys, find your MFA device and write the profile",
	help: `Sets a profile up from nothing: stores the IAM user's long-term keys (from the terminal,
or with --env from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), asks AWS which MFA devices the
user has (iam:ListMFADevices, allowed without MFA), and writes credential_process and mfa_serial
into the profile in the config file, keeping every other byte of the file as it was.

FIDO security keys are left out: STS cannot use them. With several usable devices you pick one
on the terminal; without a terminal, setup lists them and stops: pick with --mfa-serial.

Static keys of the profile in the credentials file would shadow credential_process; --move-keys
removes them from there (they are in the keyring now). On a terminal, setup offers to store the
device's TOTP seed. Last, it proves the profile works: one process call (a code) and
GetCallerIdentity.

With --login-session PROFILE (a profile that ` + "`aws login`" + ` signed in, for passkeys and security
keys), setup stores no keys and uses no device: it writes the profile as a bridge serving that
session's credentials, or with --role-arn as a role assumed with them (with session tags and a
source identity if given, in aws-vault's format), then proves it works. The
profile ` + "`aws login`" + ` wrote is left as it is: setup (and add) refuse to write into it.`,
	run: runSetup,
}

func runSetup(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	var o setup.Options
	profile := cli.ProfileFlag(fs)
	fs.BoolVar(&o.FromEnv, "env", false, "read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	fs.StringVar(&o.Serial, "mfa-serial", "", "the MFA device to use; must be one of the user's")
	fs.BoolVar(&o.MoveKeys, "move-keys", false, "remove the profile's static keys from the credentials and config files")
	login := fs.String("login-session", "", "write a profile served from the aws login session of this profile")
	roleARN := fs.String("role-arn", "", "with --login-session: the role to assume with the session")
	fs.StringVar(&o.Tags, "session-tags", "", "with --role-arn: the role session's tags, key1=value1,key2=value2")
	fs.StringVar(&o.TransitiveTags, "transitive-session-tags", "", "with --role-arn: those of its tags passed on to chained roles, key1,key2")
	fs.StringVar(&o.SourceIdentity, "source-identity", "", "with --role-arn: the role session's source identity")
	verify := fs.Bool("verify", true, "prove the profile works (spends a code)")
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	if err := cli.Empty(fs, "mfa-serial", "login-session", "role-arn", "session-tags", "transitive-session-tags", "source-identity"); err != nil {
		return err
	}
	o.Profile = *profile
	front, err := cli.Front()
	if err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", o.Profile, err)
	}
	s := &setup.Setup{Store: e.store, Front: front, Log: e.io.Err, Credentials: e.credentials}
	if *login != "" || *roleARN != "" || o.Tags+o.TransitiveTags+o.SourceIdentity != "" {
		err = s.Login(o, *login, *roleARN)
		if errors.Is(err, setup.ErrLoginFlags) {
			return usageError{"setup", err.Error()}
		}
	} else {
		err = s.Run(ctx, o)
	}
	if err != nil || !*verify {
		return err
	}
	arn, session, err := s.Prove(ctx, o.Profile)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.io.Out, "profile %s works: %s, MFA session until %s\n", o.Profile, arn, session.Expiration.Local().Format("15:04 MST"))
	return nil
}
