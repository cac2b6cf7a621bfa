package setup

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/awsconfig/edit"
	"github.com/mfacred/mfacred/internal/cmdline"
	"github.com/mfacred/mfacred/internal/shellword"
)

// ErrLoginFlags is a set-up that mixes an aws login session with the keys-and-device flags
// (or names a role without a session): a usage error.
var ErrLoginFlags = errors.New("--login-session stores no keys and uses no device: drop --env, --mfa-serial and --move-keys; --role-arn needs --login-session, and --session-tags, --transitive-session-tags and --source-identity need --role-arn")

// ErrLoginProfile marks a profile `aws login` wrote (login_session): setup and add leave it
// as it is. Its credentials come from its session, so keys, a device or a credential_process
// written into it would never serve it; a profile standing on it serves the tools that cannot
// read login_session (README, Passkeys and security keys).
var ErrLoginProfile = errors.New("is an aws login profile (login_session)")

// notLogin refuses profile name when `aws login` wrote it, before anything is asked or written.
func notLogin(files *awsconfig.Files, name string) error {
	if files.Get(name, awsconfig.KeyLoginSession) == "" {
		return nil
	}
	return fmt.Errorf("profile %s %w in %s, which takes no keys, device or credential_process: serve it to other tools with `mfacred setup --profile NEW --login-session %s`",
		name, ErrLoginProfile, files.Where(name, awsconfig.KeyLoginSession), shellword.Quote(name))
}

// ErrOnLoginSession marks a profile that stands on an aws login session (its
// mfacred_source_profile chain ends at a login_session profile): keys and a device stored for
// it would never be used, since the session's sign-in did the MFA.
var ErrOnLoginSession = errors.New("is served from an aws login session")

// notOnLogin refuses keys for profile name when it stands on an aws login session, before
// anything is asked or written.
func notOnLogin(files *awsconfig.Files, name string) error {
	seen := map[string]bool{}
	for cur := files.Get(name, awsconfig.KeySourceProfile); cur != "" && !seen[cur]; cur = files.Get(cur, awsconfig.KeySourceProfile) {
		seen[cur] = true
		if files.Get(cur, awsconfig.KeyLoginSession) != "" {
			return fmt.Errorf("profile %s %w (the aws login session of profile %s, through mfacred_source_profile in %s): keys and a device would never be used; remove mfacred_source_profile from it first, or set up another profile",
				name, ErrOnLoginSession, cur, files.Where(name, awsconfig.KeySourceProfile))
		}
	}
	return nil
}

// CheckAdd refuses, before any key is read, keys for a profile `aws login` wrote or one that
// stands on its session: nothing would use them (ErrLoginProfile, ErrOnLoginSession). A config that cannot be read is no concern of add's: the
// keys go to the keyring.
func CheckAdd(name string) error {
	files, err := awsconfig.Load()
	if err != nil {
		return nil
	}
	if err := notLogin(files, name); err != nil {
		return err
	}
	return notOnLogin(files, name)
}

// Login writes profile o.Profile served from the aws login session of profile login: a bridge
// (the session's own credentials) or, with roleARN, a role assumed with them. No keys are
// stored and no device is used: the sign-in did the MFA. Prove then proves it, with no code.
func (s *Setup) Login(o Options, login, roleARN string) error {
	name := o.Profile
	if login == "" || o.FromEnv || o.Serial != "" || o.MoveKeys || roleARN == "" && o.Tags+o.TransitiveTags+o.SourceIdentity != "" {
		return ErrLoginFlags
	}
	section, err := awsconfig.ConfigSection(name)
	if err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	line, err := cmdline.CredentialProcess(s.Front, name, runtime.GOOS)
	if err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	files, err := awsconfig.Load()
	if err != nil {
		return err
	}
	if err := notLogin(files, name); err != nil {
		return err
	}
	kvs, err := loginProfileLines(files, name, login, line, roleARN)
	if err != nil {
		return err
	}
	tagging, err := awsconfig.TaggingLines(o.Tags, o.TransitiveTags, o.SourceIdentity)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	kvs = append(kvs, tagging...)
	// the role's options not given now are not kept from an earlier set-up
	drop := []string{awsconfig.KeyRoleDirect}
	for key, v := range map[string]string{awsconfig.KeySessionTags: o.Tags, awsconfig.KeyTransitiveTags: o.TransitiveTags, awsconfig.KeySourceIdentity: o.SourceIdentity} {
		if v == "" {
			drop = append(drop, key)
		}
	}
	if _, err := edit.File(files.ConfigPath, func(old []byte) []byte {
		data := edit.SetKeys(old, section, kvs...)
		if roleARN == "" { // a bridge: a role the profile assumed before is no longer assumed
			return edit.DeleteKeys(data, section, awsconfig.KeyRoleARN, awsconfig.KeyExternalID,
				awsconfig.KeyRoleSessionName, awsconfig.KeyRoleDuration, awsconfig.KeyRoleDirect,
				awsconfig.KeySessionTags, awsconfig.KeyTransitiveTags, awsconfig.KeySourceIdentity)
		}
		// a role on the session is assumed with the session's credentials, never directly
		return edit.DeleteKeys(data, section, drop...)
	}); err != nil {
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

// ErrNotLogin is returned by loginProfileLines for a --login-session profile without login_session.
var ErrNotLogin = errors.New("no login_session")

// loginProfileLines are the keys `mfacred setup --profile name --login-session login` writes
// into profile name: credential_process (the given line), mfacred_source_profile, and
// mfacred_role_arn when roleARN is set (a role profile; else a bridge profile, the
// session's own credentials). The login profile must exist with login_session.
func loginProfileLines(files *awsconfig.Files, name, login, processLine, roleARN string) ([]awsconfig.KV, error) {
	switch {
	case name == login:
		return nil, fmt.Errorf("profile %s: --login-session names the profile itself: give the profile `aws login` signed in to, and a new profile name for the bridge", name)
	case !files.Exists(login):
		return nil, fmt.Errorf("profile %s: --login-session %s: %w in %s: sign in first with `aws login --profile %s`", name, login, awsconfig.ErrNoProfile, files.ConfigPath, shellword.Quote(login))
	case files.Get(login, awsconfig.KeyLoginSession) == "":
		return nil, fmt.Errorf("profile %s: profile %s has %w: sign in first with `aws login --profile %s`", name, login, ErrNotLogin, shellword.Quote(login))
	}
	if roleARN != "" {
		// process's own check (the reader's), so that what is written here is served there
		if err := awsconfig.CheckRoleARN(roleARN); err != nil {
			return nil, fmt.Errorf("profile %s: --role-arn %q: %w", name, roleARN, err)
		}
	}
	kvs := []awsconfig.KV{
		{Key: "credential_process", Value: processLine},
		{Key: awsconfig.KeySourceProfile, Value: login},
	}
	if roleARN != "" {
		kvs = append(kvs, awsconfig.KV{Key: awsconfig.KeyRoleARN, Value: roleARN})
	}
	return kvs, nil
}
