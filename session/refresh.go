package session

import (
	"context"

	"github.com/mfacred/mfacred/hit"
)

// A source makes new credentials for one request: an MFA session (mfaSession, session.go),
// a role (role, roles.go), a role on an `aws login` session (loginRole, login.go).
type source interface {
	// lock names the cross-process lock that queues the source's refreshes, and what it
	// guards, as a message names it.
	lock() (name, what string)
	// fetch gets what the call needs (a code, a session, a token) and calls STS: the new
	// entry, and a NotCached of what it used on the way (an MFA session renewed for a role
	// but not cached; an aws login session refreshed but not saved).
	fetch(ctx context.Context) (Outcome, error)
}

// refresh is the one flow of a miss (the package comment): serve what is cached for r if
// policy says it serves; else take src's lock and read the cache again (lockThenCached);
// else fetch from src, store, return. A failed fetch leaves the cache as it was.
func (p *Provider) refresh(ctx context.Context, r Request, policy hit.Policy, src source) (Outcome, error) {
	if e, ok, err := p.cached(ctx, r, policy); ok || err != nil {
		return Outcome{Entry: e}, err
	}
	name, what := src.lock()
	turn, e, ok, err := p.lockThenCached(ctx, r, policy, name, what)
	if ok || err != nil {
		return Outcome{Entry: e}, err
	}
	defer turn.Lock.Close()
	out, err := src.fetch(ctx)
	if err != nil {
		return Outcome{}, err
	}
	notCached, err := p.store(ctx, r, out.Entry)
	if err != nil {
		return Outcome{}, err
	}
	if out.NotCached == nil { // the first to happen is the one said
		out.NotCached = notCached
	}
	return out, nil
}
