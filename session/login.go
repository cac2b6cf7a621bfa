package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/mfacred/mfacred/awserr"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/loginsession"
)

// loginBridge serves a profile whose key source is an `aws login` session (r.Login) and that
// assumes no role: the session's own credentials from its token file, which package
// loginsession refreshes under its own lock.
func (p *Provider) loginBridge(ctx context.Context, r Request) (Outcome, error) {
	got, err := p.loginSession(r).Credentials(ctx)
	if err != nil {
		return Outcome{}, err
	}
	return p.loginOutcome(r, got.Entry, got.Warning), nil
}

// loginRole is the source of r.Role assumed with an `aws login` session's credentials (r.Login),
// cached in the keyring like every role's credentials, so that the next call is a cache hit
// for the fast path too.
type loginRole struct {
	p *Provider
	r Request
}

func (s loginRole) lock() (name, what string) {
	return "role|" + string(s.r.Key()), "role " + s.r.Role.ARN
}

func (s loginRole) fetch(ctx context.Context) (Outcome, error) {
	p, r := s.p, s.r
	base, err := p.loginSession(r).Credentials(ctx)
	if err != nil {
		return Outcome{}, err
	}
	e, err := p.assumeWithLogin(ctx, r, base.Entry)
	if err != nil {
		return Outcome{}, err
	}
	out := p.loginOutcome(r, e, base.Warning)
	out.Stale = nil // the role's credentials are new, whatever state the session that made them was in
	return out, nil
}

// loginOutcome is e with what the session said while getting it: a refresh the signin
// service could not make (the current credentials are served: Stale), or refreshed
// credentials that could not be saved (NotCached).
func (p *Provider) loginOutcome(r Request, e cache.Entry, warned error) Outcome {
	switch {
	case warned == nil:
		return Outcome{Entry: e}
	case errors.Is(warned, loginsession.ErrUnavailable):
		return Outcome{Entry: e, Stale: &Stale{Cause: warned, Left: e.Expiration.Sub(p.now())}}
	}
	return Outcome{Entry: e, NotCached: &NotCached{Profile: r.Profile, Device: "aws login " + r.Login.Profile, Err: warned}}
}

// assumeWithLogin assumes r.Role with base, the aws login session's credentials.
func (p *Provider) assumeWithLogin(ctx context.Context, r Request, base cache.Entry) (cache.Entry, error) {
	client, err := p.NewSTS(ctx, base.Credentials)
	if err != nil {
		return cache.Entry{}, fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	name := r.Role.SessionName
	if name == "" {
		// The session is named by the signed-in user's ARN: no GetCallerIdentity needed.
		name = RoleSessionName(r.Login.Session)
	}
	cctx, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	out, err := client.AssumeRole(cctx, assumeRoleInput(r, name, int32(r.Role.Duration)))
	if err != nil {
		return cache.Entry{}, ExplainLoginRole(r, err)
	}
	e, err := entry(r, "AssumeRole", out.Credentials)
	if err != nil {
		return cache.Entry{}, err
	}
	if out.AssumedRoleUser != nil && out.AssumedRoleUser.Arn != nil {
		e.ARN = *out.AssumedRoleUser.Arn
	}
	e.Source, e.Role, e.LoginSession = r.Source, r.Role.ARN, base.LoginSession
	return e, nil
}

// tryLoginRole is TryRole for a role assumed with an `aws login` session: once, for the
// shortest time, not cached. It may refresh the session, as a call of process would.
func (p *Provider) tryLoginRole(ctx context.Context, r Request) (string, error) {
	base, err := p.loginSession(r).Credentials(ctx)
	if err != nil {
		return "", err
	}
	return p.tryAssume(ctx, r, base.Credentials, ExplainLoginRole)
}

// loginSession is r's aws login session.
func (p *Provider) loginSession(r Request) *loginsession.Session {
	return &loginsession.Session{Profile: r.Profile, Login: *r.Login, Locks: p.Store, Target: p.Client, Now: p.Now}
}

// ExplainLoginRole explains AssumeRole's errors for a role assumed with an `aws login`
// session's credentials (an *Error; a refusal is loginsession.ErrRoleRefused too).
func ExplainLoginRole(r Request, err error) error {
	if e, ok := transient(r, "AssumeRole", err); ok {
		return e
	}
	switch k := awserr.Classify(err); k {
	case awserr.RoleRefused:
		return explained(k, err, loginsession.ErrRoleRefused, "profile %s: AWS refused to let you assume role %s with the aws login session of profile %s: if the role's trust policy requires MFA (aws:MultiFactorAuthPresent), that is the likely cause, as AWS does not say that aws login credentials carry MFA context and STS refuses every cause alike; else check its principal and external id (`mfacred doctor --profile %s` explains)",
			r.Profile, r.Role.ARN, r.Source, shellword.Quote(r.Profile))
	case awserr.ChainingCap:
		return explained(k, err, nil, "profile %s: role %s: a role assumed with aws login credentials is role chaining, which AWS caps at 3600 seconds: set mfacred_role_duration_seconds = 3600 or less", r.Profile, r.Role.ARN)
	case awserr.ExpiredToken, awserr.UnknownKey, awserr.BadSignature:
		return explained(k, err, nil, "profile %s: AWS refused the credentials of the aws login session of profile %s (%s): sign in again with `aws login --profile %s`", r.Profile, r.Source, awserr.Code(err), shellword.Quote(r.Source))
	}
	return ExplainRole(r, err)
}
