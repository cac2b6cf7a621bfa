package setup

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/loginsession"
)

// ErrLoginFlags is a set-up that mixes an aws login session with the keys-and-device flags
// (or names a role without a session): a usage error.
var ErrLoginFlags = errors.New("--login-session stores no keys and uses no device: drop --env, --mfa-serial and --move-keys; --role-arn needs --login-session")

// Login writes profile o.Profile served from the aws login session of profile login: a bridge
// (the session's own credentials) or, with roleARN, a role assumed with them. No keys are
// stored and no device is used: the sign-in did the MFA. Prove then proves it, with no code.
func (s *Setup) Login(o Options, login, roleARN string) error {
	name := o.Profile
	if login == "" || o.FromEnv || o.Serial != "" || o.MoveKeys {
		return ErrLoginFlags
	}
	section, err := awsconfig.ConfigSection(name)
	if err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	line, err := awsconfig.CredentialProcess(s.Front, name, runtime.GOOS)
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
	s.logf("wrote profile %s in %s: %s", name, files.ConfigPath, what)
	for _, c := range files.SDKConflicts(name) {
		s.logf("warning: %v", c)
	}
	return nil
}
