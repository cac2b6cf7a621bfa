package loginsession

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/loginsession/tokenfile"
)

// MaxSession is how long an `aws login` session may be refreshed after the sign-in.
const MaxSession = tokenfile.MaxSession

// Line is one line of a report: Kind is ok, hint or problem (doctor's words).
type Line struct {
	Kind, Text string
}

// Status lists the `aws login` sessions the config's profiles use, one line each: the
// profile signed in, the profiles it serves, when its credentials expire and when the
// session ends. Never a secret.
func Status(files *awsconfig.Files, now time.Time) []string {
	logins, served := sessions(files)
	var names []string
	for n := range logins {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		s := &Session{Profile: n, Login: *logins[n]}
		serves := "(no mfacred profile)"
		if len(served[n]) > 0 {
			serves = "serves " + strings.Join(served[n], ",")
		}
		state := ""
		t, path, err := s.Read()
		switch {
		case errors.Is(err, ErrEnded):
			state = "no token file: sign in with `aws login --profile " + n + "`"
		case err != nil:
			state = "token file " + path + " unreadable: sign in again with `aws login --profile " + n + "`"
		default:
			state = "credentials " + left(t.Expires, now)
			if v := hit.Process.JudgeLogin(t.Expires, now); !v.Serves() && v.Reason != hit.Expired {
				state += ", refreshed at the next call (" + v.Why() + ")"
			}
			if end, ok := t.SessionEnds(); ok {
				state += "\tsession ends by " + end.Format("2006-01-02 15:04 UTC")
			} else {
				state += "\tsession ends within 12 h of its aws login"
			}
		}
		out = append(out, fmt.Sprintf("aws login %s\t%s\t%s", n, serves, state))
	}
	return out
}

// sessions finds the `aws login` sessions the config's profiles use, by the profile signed
// in, and the other profiles served from each (sorted): those whose mfacred_source_profile
// chain ends at it.
func sessions(files *awsconfig.Files) (logins map[string]*awsconfig.Login, served map[string][]string) {
	logins, served = map[string]*awsconfig.Login{}, map[string][]string{}
	if files == nil {
		return logins, served
	}
	for _, name := range files.Profiles() {
		p, err := files.Resolve(name)
		if err != nil || p.Login == nil {
			continue
		}
		logins[p.Login.Profile] = p.Login
		if name != p.Login.Profile {
			served[p.Login.Profile] = append(served[p.Login.Profile], name)
		}
	}
	for _, names := range served {
		sort.Strings(names)
	}
	return logins, served
}

// left words how long credentials expiring at exp still live at now; that they have
// expired is hit's verdict.
func left(exp, now time.Time) string {
	if hit.Process.JudgeLogin(exp, now).Reason == hit.Expired {
		return "expired (the next call refreshes them)"
	}
	return "expire in " + exp.Sub(now).Truncate(time.Minute).String()
}

// Doctor checks a profile whose key source is an `aws login` session — the profile signed in
// itself, with the profiles served from it, or one standing on it: the token file (where
// it is, its owner and mode), that it is complete, when its credentials expire and the
// session ends, that a refresh works if one is due (s.Credentials, as process would), and,
// with tryRole, that the role accepts the session's credentials — explaining an MFA
// condition, which they do not satisfy as far as AWS documents.
func Doctor(ctx context.Context, p *awsconfig.Profile, s *Session, tryRole func(context.Context) (string, error), now time.Time) []Line {
	var out []Line
	add := func(kind, format string, args ...any) {
		out = append(out, Line{kind, fmt.Sprintf(format, args...)})
	}
	login := p.Login.Profile
	switch _, served := sessions(p.Files()); {
	case p.Name != login:
		add("ok", "profile %s: credentials from the aws login session of profile %s (%s)", p.Name, login, p.Login.Session)
	case len(served[login]) > 0:
		add("ok", "profile %s: signed in with `aws login` (%s), serves %s", login, p.Login.Session, strings.Join(served[login], ", "))
	default:
		add("hint", "profile %s: signed in with `aws login` (%s); for tools that cannot read login_session, serve it with `mfacred setup --profile NEW --login-session %s`", login, p.Login.Session, shellword.Quote(login))
	}
	path, err := Path(p.Login.Session)
	if err != nil {
		add("problem", "%v", err)
		return out
	}
	fi, err := os.Stat(path)
	if err != nil {
		add("problem", "aws login: no token file %s for profile %s", path, login)
		add("hint", "sign in with `aws login --profile %s`", shellword.Quote(login))
		return out
	}
	if owner, known := ownedBySelf(fi); known && !owner {
		add("problem", "aws login: token file %s belongs to another user: sign in again as yourself with `aws login --profile %s`", path, shellword.Quote(login))
	}
	switch {
	case runtime.GOOS == "windows":
		// No such mode there: Go shows 0666 for every writable file; the access list the
		// folder passes on keeps the file to its user (credserver's token file alike).
		add("ok", "aws login: token file %s", path)
	case fi.Mode().Perm()&0o077 != 0:
		add("problem", "aws login: token file %s has mode %v: others can read the session's refresh token and key; `chmod 600 %s`", path, fi.Mode().Perm(), path)
	default:
		add("ok", "aws login: token file %s, mode %v", path, fi.Mode().Perm())
	}
	t, _, err := s.Read()
	if err != nil {
		add("problem", "%v", err)
		return out
	}
	if end, ok := t.SessionEnds(); ok {
		if end.Before(now) {
			add("problem", "aws login: the session of profile %s ended at %s: sign in again with `aws login --profile %s`", login, end.Format("2006-01-02 15:04 UTC"), shellword.Quote(login))
			return out
		}
		add("ok", "aws login: the session of profile %s ends by %s (in %s); then `aws login --profile %s` again", login, end.Format("2006-01-02 15:04 UTC"), end.Sub(now).Truncate(time.Minute), shellword.Quote(login))
	} else {
		add("hint", "aws login: the token file does not say when the session began: it ends within 12 h of its aws login")
	}
	e, err := s.Credentials(ctx)
	if err != nil {
		add("problem", "%v", err)
		return out
	}
	add("ok", "aws login: credentials expire in %s (refreshed when under %s)", e.Expiration.Sub(now).Truncate(time.Second), hit.LoginRefreshBelow)
	if p.Role == nil || tryRole == nil {
		return out
	}
	as, err := tryRole(ctx)
	switch {
	case errors.Is(err, ErrRoleRefused):
		add("problem", "role: %v", err)
		add("hint", "role: aws login credentials are not known to carry MFA context (aws:MultiFactorAuthPresent): AWS does not document it, and STS refuses them like any other principal a trust policy does not allow. If the role demands MFA, assume it from an IAM user's keys with a TOTP device (mfa_serial), or have its trust policy name your user without the MFA condition (the browser sign-in did the MFA)")
	case err != nil:
		add("problem", "role: %v", err)
	default:
		add("ok", "role: %s can be assumed with the aws login session (as %s)", p.Role.ARN, as)
	}
	return out
}

// ErrRoleRefused marks a role that refused an `aws login` session's credentials
// (AccessDenied): for every cause alike, so the wording names the likely one, an MFA
// condition in the trust policy.
var ErrRoleRefused = errors.New("the role refused the aws login session's credentials")

// ErrNotLogin is returned by ProfileLines for a --login-session profile without login_session.
var ErrNotLogin = errors.New("no login_session")

// ProfileLines are the keys `mfacred setup --profile name --login-session login` writes
// into profile name: credential_process (the given line), mfacred_source_profile, and
// mfacred_role_arn when roleARN is set (a role profile; else a bridge profile, the
// session's own credentials). The login profile must exist with login_session.
func ProfileLines(files *awsconfig.Files, name, login, processLine, roleARN string) ([]awsconfig.KV, error) {
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
