package hit

import (
	"time"

	"github.com/mfacred/mfacred/cache"
)

// RenewBefore is how long before expiry cached credentials are renewed. botocore refreshes
// when fewer than 15 minutes are left (10 mandatory), so credentials with less would make the
// AWS CLI call the helper on every request (docs/aws-contract.md §2).
const RenewBefore = 15 * time.Minute

// HardLimit is how long before expiry the SDKs stop using credentials: botocore and the Go
// SDK refresh them at any cost with less than 10 minutes left (docs/aws-contract.md §2).
const HardLimit = 10 * time.Minute

// LoginRefreshBelow is when an `aws login` session's own credentials (they live 15 minutes,
// in the session's token file) are refreshed rather than served: a minute before botocore and
// the Go SDK drop process credentials (HardLimit), so that what is served always outlives it.
const LoginRefreshBelow = HardLimit + time.Minute

// ServerLead is how much earlier than RenewBefore the credentials server renews: time to ask
// a person for a code, or to retry, while the old credentials still serve every client
// without a refresh.
const ServerLead = 5 * time.Minute

// Policy is how much life cached credentials must have left to be handed out under it: an
// entry that ends within its margin is a miss, renewed by the caller that applies it. Every
// such margin in mfacred is one of the policies below, so a newcomer finds "may this be
// served?" here and nowhere else.
type Policy struct {
	name   string
	margin time.Duration
}

// The policies, one per kind of caller.
var (
	// Process is `mfacred process`, exec and the fast path: an entry serves while it lives
	// longer than RenewBefore.
	Process = Policy{"process", RenewBefore}
	// Server is the credentials server's renewal (serve, exec --server): ServerLead earlier
	// than Process, so a code is asked for while the old credentials still serve.
	Server = Policy{"server", RenewBefore + ServerLead}
	// LastResort is what is served when a renewal cannot be made (no code source, STS
	// unavailable): cached credentials the SDKs still take, living longer than HardLimit.
	LastResort = Policy{"last resort", HardLimit}
	// Trial is a session used once to try a role without caching the result (doctor): it
	// must outlive the one AssumeRole call.
	Trial = Policy{"trial", time.Minute}
	// Handout is what the credentials server hands a client that fetches: anything that
	// outlives the fetch itself.
	Handout = Policy{"handout", time.Second}
)

// Margin is how much life an entry must have left, more than, to serve under p.
func (p Policy) Margin() time.Duration { return p.margin }

// String names p, for messages and tests.
func (p Policy) String() string { return p.name }

// Lives reports whether credentials expiring at exp live longer than p's margin at now.
func (p Policy) Lives(exp, now time.Time) bool { return exp.Sub(now) > p.margin }

// Serves reports whether the cached entry e may be handed out for r at now under p: it is
// whole (cache.Entry.Check), lives longer than p's margin and at least r.MinLeft; if it is a
// role assumed with an `aws login` session, the token file still holds the sign-in it was
// assumed with (a new sign-in, whoever made it, or a logout stops it at once); and, if it was
// made from keys in the files, the files still hold those keys. Entries made from keyring
// keys need no key check: `mfacred add` drops the entries of replaced keys.
func (p Policy) Serves(r Request, e cache.Entry, now time.Time) bool {
	switch {
	case e.Check(now) != nil, !p.Lives(e.Expiration, now):
		return false
	case r.MinLeft > 0 && e.Expiration.Sub(now) < r.MinLeft:
		return false
	case r.Login != nil && r.Role != nil && (r.Signin == "" || e.LoginSession != r.Signin):
		return false
	}
	return !e.FromFile || r.fileKeyID() == e.SourceKeyID
}

// WouldServe reports whether `mfacred process` would serve the cached entry e for r at now;
// false means it would renew it. doctor and status call this, so they can never say "ok"
// about an entry process renews, nor the other way round.
func WouldServe(r Request, e cache.Entry, now time.Time) bool {
	return Process.Serves(r, e, now)
}
