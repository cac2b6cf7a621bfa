package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
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

var accessKeyRE = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)

// verifyTimeout bounds the check of new keys with AWS: one STS call.
const verifyTimeout = deadline.Call

func runAdd(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	fromEnv := fs.Bool("env", false, "read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	noVerify := fs.Bool("no-verify", false, "store the keys without checking them with AWS (offline)")
	// Accept the flag after the name too: `mfacred add work --env`.
	var name string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	want := 0
	if name == "" {
		want = 1
	}
	if err := parseArgs(fs, args, want, want); err != nil {
		return err
	}
	if name == "" {
		name = fs.Arg(0)
	}
	keys, err := readKeys(ctx, name, *fromEnv)
	if err != nil {
		return err
	}
	if e.store.SessionsOnly(ctx) {
		return e.store.PutKeys(ctx, name, keys) // refuses, saying why
	}
	who := "unchecked"
	if !*noVerify {
		arn, err := verifyKeys(ctx, name, keys)
		if err != nil {
			return err
		}
		who = arn
	}
	if err := e.store.PutKeys(ctx, name, keys); err != nil {
		return err
	}
	fmt.Fprintf(e.io.Err, "mfacred: stored the keys of profile %s (access key %s, %s) in the keyring\n", name, keys.AccessKeyID, who)
	return nil
}

// verifyKeys asks AWS whose keys these are, before they replace anything: GetCallerIdentity
// needs no MFA and no permission. The profile's region and endpoint settings apply when it
// is in the config file.
func verifyKeys(ctx context.Context, name string, keys cache.Credentials) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	var t awsclient.Target
	if files, err := awsconfig.Load(); err == nil && files.Exists(name) {
		t = awsclient.Target{Profile: name, Region: files.Get(name, awsconfig.KeyRegion)}
	}
	client, err := awsclient.STS(ctx, t, keys)
	if err != nil {
		return "", fmt.Errorf("profile %s: %w", name, err)
	}
	arn, err := iamuser.WhoAmI(ctx, client)
	switch {
	case err == nil:
		return arn, nil
	case session.KeysRejected(err):
		return "", fmt.Errorf("profile %s: AWS rejects access key %s (wrong id or secret?): nothing was stored, the keys in the keyring are as they were", name, keys.AccessKeyID)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", fmt.Errorf("profile %s: STS did not answer GetCallerIdentity within %s: nothing was stored; `mfacred add %s --no-verify` stores the keys unchecked", name, verifyTimeout, name)
	}
	return "", fmt.Errorf("profile %s: check the keys with AWS: %w: nothing was stored; `mfacred add %s --no-verify` stores the keys unchecked", name, err, name)
}

func readKeys(ctx context.Context, name string, fromEnv bool) (cache.Credentials, error) {
	var k cache.Credentials
	if fromEnv {
		if os.Getenv("AWS_SESSION_TOKEN") != "" {
			return k, fmt.Errorf("profile %s: AWS_SESSION_TOKEN is set, so the keys in the environment are temporary; add needs the IAM user's long-term keys", name)
		}
		k.AccessKeyID, k.SecretAccessKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		if k.AccessKeyID == "" || k.SecretAccessKey == "" {
			return k, fmt.Errorf("profile %s: --env needs both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set", name)
		}
	} else {
		var err error
		if k.AccessKeyID, err = prompt.Ask(ctx, fmt.Sprintf("Access key ID for profile %s: ", name), false); err != nil {
			return k, fmt.Errorf("profile %s: %w (use --env to read the keys from the environment)", name, err)
		}
		if k.SecretAccessKey, err = prompt.Ask(ctx, "Secret access key: ", true); err != nil {
			return k, fmt.Errorf("profile %s: %w", name, err)
		}
	}
	switch {
	case !accessKeyRE.MatchString(k.AccessKeyID):
		return k, fmt.Errorf("profile %s: the access key id is not of the form AKIA... (16 to 128 capital letters and digits)", name)
	case len(k.AccessKeyID) > 4 && k.AccessKeyID[:4] == "ASIA":
		return k, fmt.Errorf("profile %s: %s is a temporary access key; add needs the IAM user's long-term keys (AKIA...)", name, k.AccessKeyID)
	case len(k.SecretAccessKey) < 16:
		return k, fmt.Errorf("profile %s: the secret access key is too short", name)
	}
	return k, nil
}
