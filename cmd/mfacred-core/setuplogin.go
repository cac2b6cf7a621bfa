package main

import (
	"context"
	"fmt"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/loginsession"
)

// setupLogin writes a profile served from the aws login session of profile login: a bridge
// (the session's own credentials) or, with roleARN, a role assumed with them; then, with
// verify, proves it with one process call and GetCallerIdentity (no code: the sign-in did
// the MFA). keyFlags: a flag of the keys-and-device set-up was given too.
func setupLogin(ctx context.Context, e *env, name, login, roleARN string, keyFlags, verify bool) error {
	switch {
	case login == "":
		return usageError{"setup", "--role-arn needs --login-session"}
	case keyFlags:
		return usageError{"setup", "--login-session stores no keys and uses no device: drop --env, --mfa-serial and --move-keys"}
	}
	section, err := awsconfig.ConfigSection(name)
	if err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	line, err := credentialProcess(name)
	if err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	files, err := awsconfig.Load()
	if err != nil {
		return err
	}
	kvs, err := loginsession.ProfileLines(files, name, login, line, roleARN)
	if err != nil {
		return err
	}
	if _, err := awsconfig.EditFile(files.ConfigPath, func(old []byte) []byte { return awsconfig.SetKeys(old, section, kvs...) }); err != nil {
		return err
	}
	what := "the credentials of the aws login session of profile " + login
	if roleARN != "" {
		what = "role " + roleARN + " assumed with " + what
	}
	fmt.Fprintf(e.io.Err, "mfacred: wrote profile %s in %s: %s\n", name, files.ConfigPath, what)
	for _, c := range files.SDKConflicts(name) {
		fmt.Fprintf(e.io.Err, "mfacred: warning: %v\n", c)
	}
	if !verify {
		return nil
	}
	return proveProfile(ctx, e, name)
}
