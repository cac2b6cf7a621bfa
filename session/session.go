// Package session turns long-term IAM user keys and an MFA code into STS session
// credentials, cached so that a code is asked for only when a session must be renewed; and
// assumes roles with them, or with an `aws login` session.
//
// Every miss is one flow, refresh (refresh.go), whatever makes the credentials:
//
//  1. read the cached item (one keyring read, no network): serve it if the call's policy
//     (package hit) says it may be served;
//  2. otherwise take the source's lock, so that parallel callers share one refresh, and read
//     the cache again: another process may have renewed it meanwhile;
//  3. fetch: the source gets what it needs — a code (never one sent before: AWS accepts each
//     once) or a session or a token — and calls STS;
//  4. store the new credentials, return them.
//
// Its three sources: an MFA session (mfaSession, this file: GetSessionToken with the
// long-term keys and a code), a role (role, roles.go: AssumeRole with an MFA session, itself
// got by this flow, or Direct with the keys and a code), and a role on an `aws login` session
// (loginRole, login.go: AssumeRole with the session's credentials, which package loginsession
// refreshes). The rest by concern: codes.go, explain.go (the one reader of AWS's errors),
// probes.go.
//
// A failed refresh never touches the cached item or the stored keys. What the caller gets
// is an Outcome: the credentials, and, typed, why they are stale (Provider.CredentialsWith's
// last resort) or were not cached.
package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/prompt"
)

// CodeStep is the TOTP period of AWS devices.
const CodeStep = 30 * time.Second

// MaxTries is how many codes typed at the terminal are tried before giving up.
const MaxTries = 3

// STS is the part of the STS client a Provider needs.
type STS interface {
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Store is the part of cache.Store a Provider needs.
type Store interface {
	Session(ctx context.Context, k cache.Key) (cache.Entry, error)
	PutSession(ctx context.Context, k cache.Key, e cache.Entry) error
	Keys(ctx context.Context, profile string) (cache.Credentials, error)
	LockOrWait(ctx context.Context, name string, timeout time.Duration) (cache.Turn, error)
	CodeUsed(ctx context.Context, device, code string) (time.Time, bool)
	MarkCodeUsed(ctx context.Context, device, code string, at time.Time) error
	Identity(ctx context.Context, k cache.Key) (string, error)
	PutIdentity(ctx context.Context, k cache.Key, arn string) error
}

// Request names what to get credentials for; its key and whether a cached item serves it are
// package hit's rule, the one the fast path applies too.
type Request = hit.Request

// Provider returns session credentials for a profile.
type Provider struct {
	Store Store
	// NewSTS builds a client signed with the long-term keys. It is called only on a refresh,
	// so the hit path builds nothing.
	NewSTS func(ctx context.Context, keys cache.Credentials) (STS, error)
	// Client is whose client settings the refresh of an `aws login` session takes, as NewSTS
	// takes them (awsclient.For of the profile).
	Client awsclient.Target
	// Codes returns the code source for the request, asked only on a refresh, within that
	// refresh's ctx (a stored seed is read then, bounded by it). A call's Options may give
	// another.
	Codes func(ctx context.Context) (prompt.Source, error)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Sleep waits, or returns early with ctx's error; deadline.Sleep when nil.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Options are how one call judges and renews what it finds: they belong to the caller, not
// to the Provider, so that callers sharing a provider never change each other's.
type Options struct {
	// Policy says how much life cached credentials must have left to be served (package hit);
	// the zero value is hit.Process. The credentials server passes hit.Server, so that it
	// renews before its clients need it.
	Policy hit.Policy
	// Codes is the code source of this call, asked only on a refresh; nil: the provider's
	// (Provider.Codes). The credentials server's renewals in the background pass one that
	// reads the terminal only where it may.
	Codes func(ctx context.Context) (prompt.Source, error)
}

func (o Options) policy() hit.Policy {
	if o.Policy == (hit.Policy{}) {
		return hit.Process
	}
	return o.Policy
}

// CodeSource is the provider's code source (Codes), for a caller that narrows it in Options.
func (p *Provider) CodeSource(ctx context.Context) (prompt.Source, error) { return p.Codes(ctx) }

func (o Options) codes(p *Provider) func(ctx context.Context) (prompt.Source, error) {
	if o.Codes != nil {
		return o.Codes
	}
	return p.Codes
}

// Outcome is what Credentials got: the credentials, and why they are not simply fresh and
// cached, if so. A caller that serves them says Warning once.
type Outcome struct {
	cache.Entry
	// Stale is set when Entry is cached credentials served because they could not be renewed
	// (hit.LastResort): still good to the SDKs, but due.
	Stale *Stale
	// NotCached is set when credentials just obtained (Entry, or the session Entry was made
	// with) could not be cached: returned all the same, and asked for again next time.
	NotCached *NotCached
}

// Warning is what to tell the person about o, nil when there is nothing to tell.
func (o Outcome) Warning() error {
	switch {
	case o.NotCached != nil:
		return o.NotCached
	case o.Stale != nil:
		return o.Stale
	}
	return nil
}

// Stale says why cached credentials were served instead of renewed ones.
type Stale struct {
	Cause error         // why they could not be renewed
	Left  time.Duration // how long they still live
}

func (s *Stale) Error() string {
	return fmt.Sprintf("%v; serving the cached credentials, which expire in %s", s.Cause, s.Left.Round(time.Minute))
}

func (s *Stale) Unwrap() error { return s.Cause }

// ErrNotCached is what a NotCached is (errors.Is).
var ErrNotCached = errors.New("credentials not cached")

// NotCached says why credentials just obtained could not be cached (e.g. keyring.ErrFull).
type NotCached struct {
	Profile, Device string
	Err             error
}

func (n *NotCached) Error() string {
	return fmt.Sprintf("profile %s: %v for device %s (they are returned, and asked for again next time): %v", n.Profile, ErrNotCached, n.Device, n.Err)
}

func (n *NotCached) Unwrap() []error { return []error{ErrNotCached, n.Err} }

// now is the injected clock's time, else the wall clock's.
func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Provider) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return deadline.Sleep(ctx, d)
}

// Credentials is CredentialsWith the default Options: hit.Process, the provider's codes.
func (p *Provider) Credentials(ctx context.Context, r Request) (Outcome, error) {
	return p.CredentialsWith(ctx, r, Options{})
}

// CredentialsWith returns a session for r, or r.Role's credentials, from the cache or from
// STS (refresh, from r's source), or an aws login session's own (login.go). When they cannot
// be renewed for want of a code source or of STS, cached ones that the SDKs still take are
// returned, marked Stale: this is the one place of that last resort.
func (p *Provider) CredentialsWith(ctx context.Context, r Request, o Options) (Outcome, error) {
	var out Outcome
	var err error
	if r.Login != nil && r.Role == nil {
		out, err = p.loginBridge(ctx, r) // login.go
	} else {
		out, err = p.refresh(ctx, r, o.policy(), p.sourceOf(r, o))
	}
	// An aws login session's own credentials are package loginsession's to fall back on.
	if err != nil && cannotRenew(err) && ctx.Err() == nil && r.InKeyring() {
		if old, v, _ := hit.Lookup(ctx, p.Store, r, hit.LastResort, p.now()); v.Serves() {
			var worded *Error // STS's failures name the profile already (explain.go)
			if !errors.As(err, &worded) {
				err = fmt.Errorf("profile %s, device %s: %w", r.Profile, r.Device, err)
			}
			return Outcome{Entry: old, Stale: &Stale{Cause: err, Left: old.Expiration.Sub(p.now())}}, nil
		}
	}
	return out, err
}

// store caches credentials just obtained. Once STS has answered, the code is spent: a write
// that fails (no room, a keyring that is locked or times out, the record's lock timing out)
// must not cost the caller the credentials too, so it is reported as NotCached, not as a
// failure. A failed write leaves the session cached before as it was (cache.Store.PutSession).
func (p *Provider) store(ctx context.Context, r Request, e cache.Entry) (*NotCached, error) {
	err := p.Store.PutSession(ctx, r.Key(), e)
	switch {
	case err == nil:
		return nil, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("profile %s: cache the credentials of device %s: %w", r.Profile, r.Device, err)
	}
	return &NotCached{Profile: r.Profile, Device: r.Device, Err: err}, nil
}

// sourceOf is what makes r's credentials: a role on an aws login session, a role, or an MFA
// session.
func (p *Provider) sourceOf(r Request, o Options) source {
	switch {
	case r.Login != nil:
		return loginRole{p, r} // login.go
	case r.Role != nil:
		return role{p, r, o} // roles.go
	}
	return mfaSession{p, r, o.codes(p)}
}

// cached returns the entry under r's key if it may be served under policy.
func (p *Provider) cached(ctx context.Context, r Request, policy hit.Policy) (cache.Entry, bool, error) {
	e, v, err := hit.Lookup(ctx, p.Store, r, policy, p.now())
	return e, v.Serves(), err
}

// lockThenCached takes the lock called name, or waits for the process that holds it and
// serves what that one cached; only if it cached nothing usable does this process try to take
// the lock itself. With the lock held it reads the cache once more: another process may have
// renewed the entry just before. It returns the lock, or the entry to serve (ok).
func (p *Provider) lockThenCached(ctx context.Context, r Request, policy hit.Policy, name, what string) (cache.Turn, cache.Entry, bool, error) {
	// The wait leaves room to read what the other process stored (docs/aws-contract.md §2).
	until := time.Now().Add(deadline.Left(ctx, deadline.LockWait, deadline.Keyring))
	for {
		turn, err := p.Store.LockOrWait(ctx, name, time.Until(until))
		if err != nil {
			return cache.Turn{}, cache.Entry{}, false, fmt.Errorf("profile %s: wait for the refresh of %s: %w", r.Profile, what, err)
		}
		e, ok, _ := p.cached(ctx, r, policy)
		switch {
		case ok:
			if turn.Lock != nil {
				turn.Lock.Close()
			}
			return cache.Turn{}, e, true, nil
		case !turn.Released:
			return turn, cache.Entry{}, false, nil
		}
		// The holder cached nothing usable (it failed): take over.
	}
}

// mfaSession is the source of an MFA session: GetSessionToken signed with the long-term keys,
// with a code from codes.
type mfaSession struct {
	p     *Provider
	r     Request
	codes func(ctx context.Context) (prompt.Source, error)
}

// lock: a device's refreshes queue together, as each sends a code.
func (s mfaSession) lock() (name, what string) { return "device|" + s.r.Device, "device " + s.r.Device }

func (s mfaSession) fetch(ctx context.Context) (Outcome, error) {
	p, r := s.p, s.r
	client, base, src, err := p.withKeys(ctx, r, s.codes)
	if err != nil {
		return Outcome{}, err
	}
	e, err := p.withCode(ctx, r, src, func(code string) (cache.Entry, error) {
		ctx, cancel := context.WithTimeout(ctx, deadline.Call)
		defer cancel()
		out, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{
			DurationSeconds: ptr(int32(r.Duration / time.Second)),
			SerialNumber:    &r.Device,
			TokenCode:       &code,
		})
		if err != nil {
			return cache.Entry{}, Explain(r, err)
		}
		return entry(r, "GetSessionToken", out.Credentials)
	})
	if err != nil {
		return Outcome{}, err
	}
	e.SourceKeyID, e.FromFile, e.Source, e.Device = base.SourceKeyID, base.FromFile, r.Source, r.Device
	return Outcome{Entry: e}, nil
}

func ptr[T any](v T) *T { return &v }
