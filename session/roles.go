package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/prompt"
)

// role is the source of r.Role's credentials: AssumeRole with the MFA session (from the cache,
// or renewed with a code, by the same flow under the device's lock), or in Direct mode with
// the long-term keys and a code of its own. o are the call's, its MFA session's too.
type role struct {
	p *Provider
	r Request
	o Options
}

// lock: Direct mode sends a code, so it queues with the device's other refreshes.
func (s role) lock() (name, what string) {
	if s.r.Role.Direct {
		return "device|" + s.r.Device, "role " + s.r.Role.ARN
	}
	return "role|" + string(s.r.Key()), "role " + s.r.Role.ARN
}

func (s role) fetch(ctx context.Context) (Outcome, error) {
	p, r := s.p, s.r
	via, err := p.roleClient(ctx, r, s.o)
	if err != nil {
		return Outcome{}, err
	}
	e, err := p.assume(ctx, r, via)
	if err != nil {
		return Outcome{}, err
	}
	base := via.base
	e.SourceKeyID, e.FromFile, e.Source, e.Device, e.Role = base.SourceKeyID, base.FromFile, r.Source, r.Device, r.Role.ARN
	return Outcome{Entry: e, NotCached: via.sessionNotCached}, nil
}

// roleVia is what a role is assumed with: a client signed with the MFA session (or, Direct,
// the long-term keys and a code from src), and base, which records the long-term keys the
// role's credentials derive from.
type roleVia struct {
	client STS
	base   cache.Entry
	src    prompt.Source // Direct only
	// sessionNotCached says the MFA session, renewed for this role, could not be cached.
	sessionNotCached *NotCached
}

// roleClient prepares the AssumeRole call of r.Role: with the long-term keys in Direct mode,
// else with the MFA session (from the cache, or renewed: refresh with its source).
func (p *Provider) roleClient(ctx context.Context, r Request, o Options) (roleVia, error) {
	var via roleVia
	var err error
	if r.Role.Direct {
		via.client, via.base, via.src, err = p.withKeys(ctx, r, o.codes(p))
		return via, err
	}
	sr := r
	sr.Role, sr.MinLeft = nil, 0
	session, err := p.refresh(ctx, sr, o.policy(), mfaSession{p, sr, o.codes(p)})
	if err != nil {
		return via, err
	}
	via.base, via.sessionNotCached = session.Entry, session.NotCached
	if via.client, err = p.NewSTS(ctx, via.base.Credentials); err != nil {
		return via, fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	return via, nil
}

// assume calls AssumeRole for r.Role through via, with a code in Direct mode.
func (p *Provider) assume(ctx context.Context, r Request, via roleVia) (cache.Entry, error) {
	name := r.Role.SessionName
	if name == "" {
		var err error
		if name, err = p.sessionName(ctx, via.client, r, via.base.SourceKeyID); err != nil {
			return cache.Entry{}, err
		}
	}
	in := assumeRoleInput(r, name, int32(r.Role.Duration))
	call := func() (cache.Entry, error) {
		ctx, cancel := context.WithTimeout(ctx, deadline.Call)
		defer cancel()
		out, err := via.client.AssumeRole(ctx, in)
		if err != nil {
			return cache.Entry{}, ExplainRole(r, err)
		}
		e, err := entry(r, "AssumeRole", out.Credentials)
		if out.AssumedRoleUser != nil && out.AssumedRoleUser.Arn != nil {
			e.ARN = *out.AssumedRoleUser.Arn
		}
		return e, err
	}
	if !r.Role.Direct {
		return call()
	}
	return p.withCode(ctx, r, via.src, func(code string) (cache.Entry, error) {
		in.SerialNumber, in.TokenCode = &r.Device, &code
		return call()
	})
}

// assumeRoleInput is the AssumeRole call for r.Role, without MFA fields.
func assumeRoleInput(r Request, sessionName string, seconds int32) *sts.AssumeRoleInput {
	in := &sts.AssumeRoleInput{
		RoleArn:         &r.Role.ARN,
		RoleSessionName: &sessionName,
		DurationSeconds: &seconds,
	}
	if r.Role.ExternalID != "" {
		in.ExternalId = &r.Role.ExternalID
	}
	for _, t := range r.Role.Tags {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	in.TransitiveTagKeys = r.Role.TransitiveTagKeys
	if r.Role.SourceIdentity != "" {
		in.SourceIdentity = &r.Role.SourceIdentity
	}
	return in
}

// sessionName is the default role session name: the name of the IAM user whose keys are
// used, from GetCallerIdentity, asked once per access key and cached.
func (p *Provider) sessionName(ctx context.Context, client STS, r Request, keyID string) (string, error) {
	k := cache.IdentityKey(r.Source, keyID)
	arn, err := p.Store.Identity(ctx, k)
	if err != nil {
		ctx, cancel := context.WithTimeout(ctx, deadline.Call)
		defer cancel()
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", fmt.Errorf("profile %s: GetCallerIdentity, for the role session name: %w (or set mfacred_role_session_name)", r.Profile, err)
		}
		if out.Arn == nil {
			return "", fmt.Errorf("profile %s: STS answered GetCallerIdentity without an ARN", r.Profile)
		}
		arn = *out.Arn
		// Only a cache: the name is asked again next time if this fails.
		_ = p.Store.PutIdentity(ctx, k, arn)
	}
	return RoleSessionName(arn), nil
}

// RoleSessionName derives a role session name from a caller ARN: the IAM user's name (the
// last part of arn:aws:iam::ACCOUNT:user/PATH/NAME), fitted to [\w+=,.@-]{2,64}.
func RoleSessionName(arn string) string {
	name := arn[strings.LastIndexAny(arn, ":/")+1:]
	name = strings.Map(func(r rune) rune {
		if r < 128 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '-'
	}, name)
	if len(name) < 2 {
		name = "mfacred-" + name
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}
