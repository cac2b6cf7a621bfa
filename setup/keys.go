package setup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/prompt"
)

var accessKeyRE = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)

// ReadKeys reads an IAM user's long-term keys for profile name: from the terminal (the secret
// not echoed) or, with fromEnv, from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; never from
// the command line. Temporary keys and keys of the wrong form are refused.
func ReadKeys(ctx context.Context, name string, fromEnv bool) (cache.Credentials, error) {
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
		if k.AccessKeyID, err = prompt.Ask(ctx, fmt.Sprintf("Access key ID for profile %s: ", name), false); err == nil {
			k.SecretAccessKey, err = prompt.Ask(ctx, "Secret access key: ", true)
		}
		if errors.Is(err, prompt.ErrNoTerminal) {
			return k, noTerminalForKeys{profile: name}
		} else if err != nil {
			return k, fmt.Errorf("profile %s: %w", name, err)
		}
	}
	return k, CheckKeys(name, k)
}

// CheckKeys refuses keys that are not an IAM user's long-term keys: of the wrong form, or
// temporary (a session token, or an ASIA access key id), naming profile name.
func CheckKeys(name string, k cache.Credentials) error {
	switch {
	case !accessKeyRE.MatchString(k.AccessKeyID):
		return fmt.Errorf("profile %s: the access key id is not of the form AKIA... (16 to 128 capital letters and digits)", name)
	case len(k.AccessKeyID) > 4 && k.AccessKeyID[:4] == "ASIA" || k.SessionToken != "":
		return fmt.Errorf("profile %s: %s is a temporary access key; add needs the IAM user's long-term keys (AKIA...)", name, k.AccessKeyID)
	case len(k.SecretAccessKey) < 16:
		return fmt.Errorf("profile %s: the secret access key is too short", name)
	}
	return nil
}

// noTerminalForKeys is prompt.ErrNoTerminal met while asking for the keys: its text
// ("... for an MFA code") names what a code source lacks, so this one says what was needed
// here and the flag that gives it instead.
type noTerminalForKeys struct{ profile string }

func (e noTerminalForKeys) Error() string {
	return fmt.Sprintf("profile %s: no terminal to ask for the IAM user's access key id and secret access key: --env reads them from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", e.profile)
}

func (noTerminalForKeys) Unwrap() error { return prompt.ErrNoTerminal }

// VerifyTimeout bounds the check of new keys with AWS: one STS call.
const VerifyTimeout = deadline.Call

// Add stores the long-term keys of profile name in store, after AWS accepted them
// (iamuser.Verify) unless verify is false; keys AWS rejects are not stored and the old ones
// stay. It returns who the keys belong to ("unchecked" without verify). The profile's region
// and endpoint settings apply when it is in the config file.
func Add(ctx context.Context, store *cache.Store, name string, keys cache.Credentials, verify bool) (string, error) {
	if store.SessionsOnly(ctx) {
		return "", store.PutKeys(ctx, name, keys) // refuses, saying why
	}
	who := "unchecked"
	if verify {
		var err error
		if who, err = Verify(ctx, name, keys); err != nil {
			return "", err
		}
	}
	return who, store.PutKeys(ctx, name, keys)
}

// Verify asks AWS whose keys these are (iamuser.Verify, GetCallerIdentity), with profile
// name's region and endpoint settings when it is in the config file, and says in one line
// why not when AWS rejects them or does not answer. Nothing is stored.
func Verify(ctx context.Context, name string, keys cache.Credentials) (string, error) {
	var t awsclient.Target
	if files, err := awsconfig.Load(); err == nil && files.Exists(name) {
		t = awsclient.Target{Profile: name, Region: files.Get(name, awsconfig.KeyRegion), Files: files}
	}
	client, err := awsclient.STS(ctx, t, keys)
	if err != nil {
		return "", fmt.Errorf("profile %s: %w", name, err)
	}
	who, err := iamuser.Verify(ctx, client, VerifyTimeout)
	switch {
	case errors.Is(err, iamuser.ErrRejected):
		return "", fmt.Errorf("profile %s: AWS rejects access key %s (wrong id or secret?): nothing was stored, the keys in the keyring are as they were", name, keys.AccessKeyID)
	case errors.Is(err, iamuser.ErrTimedOut):
		return "", fmt.Errorf("profile %s: STS did not answer GetCallerIdentity within %s: nothing was stored; --no-verify stores the keys unchecked", name, VerifyTimeout)
	case err != nil:
		return "", fmt.Errorf("profile %s: check the keys with AWS: %w: nothing was stored; --no-verify stores the keys unchecked", name, err)
	}
	return who, nil
}
