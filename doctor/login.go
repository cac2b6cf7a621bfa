package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/inventory"
	"github.com/mfacred/mfacred/loginsession"
)

// login checks a profile whose key source is an `aws login` session — the profile signed in
// itself, with the profiles served from it, or one standing on it: the token file (where
// it is, its owner and mode), that it is complete, when its credentials expire and the
// session ends, that a refresh works if one is due (LoginSession.Credentials, as process
// would), and, for a role, that the role accepts the session's credentials (Probes.TryRole)
// — explaining an MFA condition, which they do not satisfy as far as AWS documents.
func (d *Doctor) login(ctx context.Context, f *facts) []Result {
	p, s, now := f.p, d.Login(f.p), d.now()
	var out []Result
	add := func(kind Kind, format string, args ...any) {
		out = append(out, Result{Kind: kind, Text: fmt.Sprintf(format, args...)})
	}
	login := p.Login.Profile
	switch _, served := inventory.LoginSessions(p.Files()); {
	case p.Name != login:
		add(OK, "profile %s: credentials from the aws login session of profile %s (%s)", p.Name, login, p.Login.Session)
	case len(served[login]) > 0:
		add(OK, "profile %s: signed in with `aws login` (%s), serves %s", login, p.Login.Session, strings.Join(served[login], ", "))
	default:
		add(Hint, "profile %s: signed in with `aws login` (%s); for tools that cannot read login_session, serve it with `mfacred setup --profile NEW --login-session %s`", login, p.Login.Session, shellword.Quote(login))
	}
	path, err := s.Path()
	if err != nil {
		add(Problem, "%v", err)
		return out
	}
	fi, err := os.Stat(path)
	if err != nil {
		add(Problem, "aws login: no token file %s for profile %s", path, login)
		add(Hint, "sign in with `aws login --profile %s`", shellword.Quote(login))
		return out
	}
	if owner, known := ownedBySelf(fi); known && !owner {
		add(Problem, "aws login: token file %s belongs to another user: sign in again as yourself with `aws login --profile %s`", path, shellword.Quote(login))
	}
	switch {
	case runtime.GOOS == "windows":
		// No such mode there: Go shows 0666 for every writable file; the access list the
		// folder passes on keeps the file to its user (credserver's token file alike).
		add(OK, "aws login: token file %s", path)
	case fi.Mode().Perm()&0o077 != 0:
		add(Problem, "aws login: token file %s has mode %v: others can read the session's refresh token and key; `chmod 600 %s`", path, fi.Mode().Perm(), path)
	default:
		add(OK, "aws login: token file %s, mode %v", path, fi.Mode().Perm())
	}
	t, _, err := s.Read()
	if err != nil {
		add(Problem, "%v", err)
		return out
	}
	if end, ok := t.SessionEnds(); ok {
		if end.Before(now) {
			add(Problem, "aws login: the session of profile %s ended at %s: sign in again with `aws login --profile %s`", login, end.Format("2006-01-02 15:04 UTC"), shellword.Quote(login))
			return out
		}
		add(OK, "aws login: the session of profile %s ends by %s (in %s); then `aws login --profile %s` again", login, end.Format("2006-01-02 15:04 UTC"), end.Sub(now).Truncate(time.Minute), shellword.Quote(login))
	} else {
		add(Hint, "aws login: the token file does not say when the session began: it ends within 12 h of its aws login")
	}
	e, err := s.Credentials(ctx)
	if err != nil {
		add(Problem, "%v", err)
		return out
	}
	add(OK, "aws login: credentials expire in %s (refreshed when under %s)", e.Expiration.Sub(now).Truncate(time.Second), hit.LoginRefreshBelow)
	if p.Role == nil {
		return out
	}
	as, err := f.probes.TryRole(ctx, f.r)
	switch {
	case errors.Is(err, loginsession.ErrRoleRefused):
		add(Problem, "role: %v", err)
		add(Hint, "role: aws login credentials are not known to carry MFA context (aws:MultiFactorAuthPresent): AWS does not document it, and STS refuses them like any other principal a trust policy does not allow. If the role demands MFA, assume it from an IAM user's keys with a TOTP device (mfa_serial), or have its trust policy name your user without the MFA condition (the browser sign-in did the MFA)")
	case err != nil:
		add(Problem, "role: %v", err)
	default:
		add(OK, "role: %s can be assumed with the aws login session (as %s)", p.Role.ARN, as)
	}
	return out
}
