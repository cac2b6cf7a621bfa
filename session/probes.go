package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/prompt"
)

// The probes below check a profile's setup with AWS for doctor and `totp set`, without caching
// what they get.

// ErrNoSession is returned by TryRole when no MFA session is cached to assume the role with.
var ErrNoSession = errors.New("no cached MFA session")

// ErrDirectRole is returned by TryRole for a role assumed with a code of its own.
var ErrDirectRole = errors.New("the role is assumed with a code of its own")

// TryRole assumes r.Role once with the cached MFA session, as Credentials would, for the
// shortest time AWS allows and without caching the result: it proves the trust policy, MFA
// condition and external id without spending a code. The session must outlive the call
// (hit.Trial). It returns the assumed-role ARN.
func (p *Provider) TryRole(ctx context.Context, r Request) (string, error) {
	if r.Login != nil {
		return p.tryLoginRole(ctx, r) // login.go
	}
	if r.Role.Direct {
		return "", ErrDirectRole
	}
	sr := r
	sr.Role = nil
	src, err := p.Store.Session(ctx, sr.Key())
	if err != nil || !hit.Trial.Lives(src.Expiration, p.now()) {
		return "", fmt.Errorf("profile %s: %w of profile %s", r.Profile, ErrNoSession, r.Source)
	}
	return p.tryAssume(ctx, r, src.Credentials, ExplainRole)
}

// tryAssume assumes r.Role once with creds, for the shortest time AWS allows (TryRole), and
// returns the assumed-role ARN; explain words AWS's refusal.
func (p *Provider) tryAssume(ctx context.Context, r Request, creds cache.Credentials, explain func(Request, error) error) (string, error) {
	client, err := p.NewSTS(ctx, creds)
	if err != nil {
		return "", fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	name := r.Role.SessionName
	if name == "" {
		name = "mfacred-doctor"
	}
	ctx, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	out, err := client.AssumeRole(ctx, assumeRoleInput(r, name, 900))
	if err != nil {
		return "", explain(r, err)
	}
	if out.AssumedRoleUser == nil || out.AssumedRoleUser.Arn == nil {
		return "", nil
	}
	return *out.AssumedRoleUser.Arn, nil
}

// TrySeed checks a seed with AWS: it makes a code no call has sent yet (waiting for the next
// step as a refresh does), records it as used and sends it with GetSessionToken for the
// shortest session, which is not cached. AWS accepting the code proves the seed belongs to
// r.Device and the clock is right; this spends a code.
func (p *Provider) TrySeed(ctx context.Context, r Request, seed string) error {
	keys, _, err := p.LongTermKeys(ctx, r)
	if err != nil {
		return err
	}
	client, err := p.NewSTS(ctx, keys)
	if err != nil {
		return fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	code, err := p.freshCode(ctx, r, prompt.Seed{Secret: seed}, "")
	if err != nil {
		return err
	}
	if err := p.Store.MarkCodeUsed(ctx, r.Device, code, p.now()); err != nil {
		return fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	ctx, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	if _, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: ptr(int32(900)), SerialNumber: &r.Device, TokenCode: &code}); err != nil {
		return Explain(r, err)
	}
	return nil
}
