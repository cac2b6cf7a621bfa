package hit

import (
	"time"

	"github.com/mfacred/mfacred/awsconfig"
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

// MinDuration is the shortest MFA session a profile may ask for (awsconfig.MinDuration, in
// seconds, which cannot import hit: hit reads profiles through awsconfig): twice RenewBefore,
// so that a session is served from the cache for as long as it is renewed ahead. A test ties
// the two.
const MinDuration = 2 * RenewBefore

// Policy is how much life cached credentials must have left to be handed out under it: an
// entry that ends within its margin is not served, and is renewed by the caller that applies
// it. Every such margin in mfacred is one of the policies below, and every decision on a
// time left is Judge's, so a newcomer finds "may this be served, and why not?" here and
// nowhere else.
type Policy struct {
	name   string
	margin time.Duration
}

// The policies, one per kind of caller.
var (
	// Process is `mfacred process`, exec and the fast path: an entry serves while it lives
	// longer than RenewBefore (an aws login session's own credentials: LoginRefreshBelow or
	// longer).
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

// Action is what a caller does with cached credentials. The zero Action is Refuse.
type Action uint8

const (
	// Refuse: never hand them out; renew them, or there is nothing to serve.
	Refuse Action = iota
	// Serve: hand them out.
	Serve
	// RenewAhead: a call may be served them (Process would), but the policy renews them now,
	// ahead of need (Server); they are served while the renewal fails.
	RenewAhead
	// Stale: renew them; served only as a last resort, when the renewal cannot be made,
	// since the SDKs still take them.
	Stale
)

var actions = [...]string{Serve: "serve", RenewAhead: "renew ahead", Stale: "stale", Refuse: "refuse"}

func (a Action) String() string { return actions[a] }

// Reason is why a Verdict is what it is. The zero Reason is NotCached.
type Reason uint8

const (
	// NotCached: there is no item (or, for an aws login session's own credentials, no token
	// file that can be read).
	NotCached Reason = iota
	// LongEnough: they outlive the policy's margin, and nothing else stops them.
	LongEnough
	// Damaged: the item is incomplete, or says it lives longer than AWS issues
	// (cache.Entry.Check).
	Damaged
	// Expired: their expiry has passed.
	Expired
	// LoggedOut: a role assumed with an aws login session whose token file holds no sign-in
	// now (`aws logout`, or a file that cannot be read).
	LoggedOut
	// SigninChanged: a role assumed with an earlier sign-in of the aws login session.
	SigninChanged
	// KeysChanged: made from long-term keys in the files, which no longer hold them.
	KeysChanged
	// BelowMinLeft: they end before the request's MinLeft (Verdict.Margin).
	BelowMinLeft
	// Within: they end within a margin (Verdict.Margin): the policy's, RenewBefore's or
	// HardLimit's, whichever is the smallest they are within.
	Within
)

var reasons = [...]string{
	LongEnough:    "they live long enough",
	NotCached:     "none cached",
	Damaged:       "damaged",
	Expired:       "expired",
	LoggedOut:     "the aws login session was logged out",
	SigninChanged: "assumed with an earlier aws login sign-in",
	KeysChanged:   "made from keys the files no longer hold",
	BelowMinLeft:  "ending before the time asked for",
	Within:        "too close to expiry",
}

func (r Reason) String() string { return reasons[r] }

// Verdict is Judge's answer: what to do with cached credentials, and why. It is a few bytes
// and holds no text, so the fast path makes it on every call without allocating; String
// words it for doctor, status and tests.
type Verdict struct {
	Action Action
	Reason Reason
	// Margin is the margin Reason speaks of (Within, BelowMinLeft), else 0.
	Margin time.Duration
}

// Serves reports whether v hands the credentials out under the policy that judged them.
func (v Verdict) Serves() bool { return v.Action == Serve }

// Why is v's reason in words, with the margin it speaks of: "within 15m0s of expiry".
func (v Verdict) Why() string {
	switch v.Reason {
	case Within:
		return "within " + v.Margin.String() + " of expiry"
	case BelowMinLeft:
		return "ending within the " + v.Margin.String() + " asked for"
	}
	return v.Reason.String()
}

// String is v in words: "serve (they live long enough)", "stale (within 15m0s of expiry)".
func (v Verdict) String() string { return v.Action.String() + " (" + v.Why() + ")" }

// Serves reports whether the cached entry e may be handed out for r at now under p
// (p.Judge(r, e, now).Serves()).
func (p Policy) Serves(r Request, e cache.Entry, now time.Time) bool {
	return p.Judge(r, e, now).Serves()
}

// Judge is the verdict on the cached entry e for r at now under p. Credentials serve when
// they are whole (cache.Entry.Check), unexpired, live longer than p's margin and at least
// r.MinLeft; if they are a role assumed with an `aws login` session, the token file still
// holds the sign-in they were assumed with (a new sign-in, whoever made it, or a logout stops
// them at once); and, if they were made from keys in the files, the files still hold those
// keys. Entries made from keyring keys need no key check: `mfacred add` drops the entries of
// replaced keys, and `mfacred rotate` keeps them on purpose (STS sessions outlive the key that
// made them: TestRotate holds that they still serve).
//
// An `aws login` session's own credentials (r.InKeyring is false: e is its token file's) live
// 15 minutes, so under a policy whose margin is LoginRefreshBelow or more they serve while
// they live LoginRefreshBelow or longer, a minute more than the SDKs need; the token file
// itself is trusted as read (package tokenfile checks it).
//
// What does not serve is, by its time left: RenewAhead while Process would still serve it,
// Stale while the SDKs still take it (HardLimit), else Refuse.
func (p Policy) Judge(r Request, e cache.Entry, now time.Time) Verdict {
	left := e.Expiration.Sub(now)
	renew, margin := RenewBefore, p.margin
	serves := left > margin
	if !r.InKeyring() {
		if margin >= LoginRefreshBelow {
			renew, margin = LoginRefreshBelow, LoginRefreshBelow
			serves = left >= margin
		}
	} else if e.Check(now) != nil {
		return Verdict{Refuse, Damaged, 0}
	}
	onLogin := r.Login != nil && r.Role != nil
	switch {
	case left <= 0:
		return Verdict{Refuse, Expired, 0}
	case onLogin && r.Signin == "":
		return Verdict{Refuse, LoggedOut, 0}
	case onLogin && e.LoginSession != r.Signin:
		return Verdict{Refuse, SigninChanged, 0}
	case e.FromFile && r.fileKeyID() != e.SourceKeyID:
		return Verdict{Refuse, KeysChanged, 0}
	case r.MinLeft > 0 && left < r.MinLeft:
		return Verdict{Refuse, BelowMinLeft, r.MinLeft}
	case serves:
		return Verdict{Serve, LongEnough, 0}
	case left > renew:
		return Verdict{RenewAhead, Within, margin}
	case left > HardLimit:
		return Verdict{Stale, Within, min(margin, renew)}
	}
	return Verdict{Refuse, Within, min(margin, HardLimit)}
}

// JudgeLogin is the verdict under p on an `aws login` session's own credentials, expiring at
// exp (its token file's): Judge's rule for them, for package loginsession, which refreshes
// them.
func (p Policy) JudgeLogin(exp, now time.Time) Verdict {
	return p.Judge(Request{Login: &awsconfig.Login{}}, cache.Entry{Expiration: exp}, now)
}

// WouldServe reports whether `mfacred process` would serve the cached entry e for r at now
// (Process.Judge(r, e, now).Serves()); false means it would renew it.
func WouldServe(r Request, e cache.Entry, now time.Time) bool {
	return Process.Serves(r, e, now)
}

// RenewAt is when credentials got at got and expiring at exp are renewed by a caller that
// holds them in memory under p (the credentials server, Server): p's margin before expiry
// when they live longer than twice that, so clients never see them enter the SDKs' refresh
// window; else halfway through their life, so that every client is handed credentials with
// at least half their lifetime left and a failed renewal has the other half to recover.
func (p Policy) RenewAt(got, exp time.Time) time.Time {
	life := exp.Sub(got)
	if life > 2*p.margin {
		return exp.Add(-p.margin)
	}
	return got.Add(life / 2)
}

// RenewNext is when a caller that has held credentials expiring at exp since got renews them
// next under p (now is the clock). got is when it got them, not when STS issued them:
// credentials from the cache may be half used. So whenever p's margin before expiry is
// still ahead, they are renewed then at the latest, before they enter the SDKs' refresh
// window.
func (p Policy) RenewNext(got, exp, now time.Time) time.Time {
	at := p.RenewAt(got, exp)
	if w := exp.Add(-p.margin); w.After(now) && w.Before(at) {
		return w
	}
	return at
}
