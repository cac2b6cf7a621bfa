package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/prompt"
)

var addCmd = &command{
	name:    "add",
	args:    "NAME [--env]",
	summary: "store the long-term keys of an IAM user in the keyring",
	help: `Stores the IAM user's long-term access keys for profile NAME in the OS keyring. The keys
are read from the terminal (the secret is not echoed) or, with --env, from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY; never from the command line. Replacing a profile's keys forgets the
sessions made with the old ones.`,
	run: runAdd,
}

var accessKeyRE = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)

func runAdd(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	fromEnv := fs.Bool("env", false, "read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	// Accept the flag after the name too: `mfacred add work --env`.
	var name string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if name == "" || fs.NArg() > 0 {
		return errors.New("usage: mfacred add NAME [--env]")
	}
	keys, err := readKeys(name, *fromEnv)
	if err != nil {
		return err
	}
	if err := e.store.PutKeys(ctx, name, keys); err != nil {
		return err
	}
	fmt.Fprintf(e.io.Err, "mfacred: stored the keys of profile %s (access key %s) in the keyring\n", name, keys.AccessKeyID)
	return nil
}

func readKeys(name string, fromEnv bool) (cache.Credentials, error) {
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
		if k.AccessKeyID, err = prompt.Ask(fmt.Sprintf("Access key ID for profile %s: ", name), false); err != nil {
			return k, fmt.Errorf("profile %s: %w (use --env to read the keys from the environment)", name, err)
		}
		if k.SecretAccessKey, err = prompt.Ask("Secret access key: ", true); err != nil {
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
