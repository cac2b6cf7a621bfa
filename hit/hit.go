// Package hit is the one rule for a cache hit: which keyring item holds a profile's
// credentials, and whether that item may be served now. Both binaries use it — the fast path
// in mfacred, which must not link the AWS SDK (README, Performance), and session in
// mfacred-core — so that a call is never served by one and refused by the other.
//
// The chain reads top to bottom: a resolved profile (awsconfig.Profile) and the static keys
// the files hold for its key source make a Request; the Request names its Key; Lookup reads
// that one item and judges it under a Policy (policy.go): a Verdict, what to do with the item
// (serve, renew ahead, stale but usable as a last resort, refuse) and why. How much life
// must be left is decided by the named policies there and nowhere else: callers that renew,
// fall back on stale credentials or say why an item was not served (doctor, status, the
// credentials server) act on the Verdict and never compare a time left themselves (a test
// reads every file of the module to hold it so).
package hit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/loginsession/tokenfile"
)

// Request names what to get credentials for, with everything the hit decision reads.
type Request struct {
	Profile  string // the profile asked for, for messages
	Source   string // the profile whose long-term keys are used
	Device   string // mfa_serial
	Duration time.Duration
	// FileKeys are the source profile's static keys from the credentials or config file,
	// used when no keys are stored in the keyring for Source. Nil when there are none.
	FileKeys *awsconfig.StaticKeys
	// FileKeysErr is why the files' keys could not be read (half a key pair). It matters only
	// when those keys are needed, to sign a refresh: a cached session does not depend on it.
	FileKeysErr error
	// Role, when set, is assumed with the session (or the keys, if Direct) and its
	// credentials are returned instead of the session's.
	Role *awsconfig.Role
	// MinLeft makes an entry that ends sooner than this a miss, so that it is renewed (a
	// console session cannot outlast role-chained credentials: mfacred login). Zero for
	// credential_process.
	MinLeft time.Duration
	// Login, when set, is the `aws login` session the credentials come from instead of
	// long-term keys and a device (Device is empty). Its own credentials live in the
	// session's token file, never in the keyring (Lookup reads them there): only a role
	// assumed with them is cached.
	Login *awsconfig.Login
	// Signin names the sign-in the Login session's token file holds now
	// (tokenfile.Token.SessionID), "" when there is no token file that can be read: role
	// credentials assumed with another sign-in, or with none, never serve (Policy.Serves). Set
	// by For for a role on an aws login session.
	Signin string
}

// Of is the request for a resolved profile, without looking at static keys: enough for its
// Key, not for deciding whether an item serves (For).
func Of(p *awsconfig.Profile) Request {
	return Request{
		Profile:  p.Name,
		Source:   p.KeySource,
		Device:   p.MFASerial,
		Duration: time.Duration(p.Duration) * time.Second,
		Role:     p.Role,
		Login:    p.Login,
	}
}

// For is the request for a resolved profile, with the static keys files holds for its key
// source.
func For(files *awsconfig.Files, p *awsconfig.Profile) Request {
	r := Of(p)
	switch k, ok, err := files.StaticKeys(p.KeySource); {
	case err != nil:
		r.FileKeysErr = err
	case ok:
		r.FileKeys = &k
	}
	return r.Reread()
}

// Clone is r with every string copied: a request the fast path made from a mapped config
// file (awsconfig.Checked.Map) then holds nothing of the mapping, so that no other goroutine
// (the keyring's) can fault on a file truncated meanwhile.
func (r Request) Clone() Request {
	c := strings.Clone
	r.Profile, r.Source, r.Device, r.Signin = c(r.Profile), c(r.Source), c(r.Device), c(r.Signin)
	if r.FileKeys != nil {
		k := *r.FileKeys
		k.AccessKeyID, k.SecretAccessKey, k.File = c(k.AccessKeyID), c(k.SecretAccessKey), c(k.File)
		r.FileKeys = &k
	}
	if r.FileKeysErr != nil {
		r.FileKeysErr = errors.New(r.FileKeysErr.Error())
	}
	if r.Role != nil {
		role := r.Role.Clone()
		r.Role = &role
	}
	if r.Login != nil {
		login := *r.Login
		login.Profile, login.Session, login.Region = c(login.Profile), c(login.Session), c(login.Region)
		r.Login = &login
	}
	return r
}

// Reread is r with what it holds of a file that changes while a server runs: the sign-in of
// its aws login session's token file, for a role on one.
func (r Request) Reread() Request {
	if r.Login != nil && r.Role != nil {
		r.Signin = SignedIn(r.Login)
	}
	return r
}

// StillSignedIn reports whether credentials e, made for r, may still be handed out as far as
// the aws login session they stand on goes: its token file holds the sign-in they came from.
// After `aws logout` or a new `aws login` it is false at once. True for every request not on
// an aws login session. r must be fresh (For): the credentials server asks at each fetch
// (package credserver).
func StillSignedIn(r Request, e cache.Entry) bool {
	if r.Login == nil {
		return true
	}
	id := r.Signin
	if r.Role == nil { // For reads the sign-in of a role's session only
		id = SignedIn(r.Login)
	}
	return id != "" && e.LoginSession == id
}

// SignedIn is the sign-in the token file of login holds now (tokenfile.Token.SessionID), ""
// when there is none that can be read: after `aws logout`, or with a damaged file.
func SignedIn(login *awsconfig.Login) string {
	path, err := tokenfile.Path(login.Session)
	if err != nil {
		return ""
	}
	t, err := tokenfile.ReadFor(path, login.Session)
	if err != nil {
		return ""
	}
	return t.SessionID()
}

// Key is the cache item r's credentials are kept under.
func (r Request) Key() cache.Key {
	if r.Login != nil && r.Role != nil {
		return cache.RoleKey(r.Source, loginDevice, r.Role.ARN, r.Role.Options(), r.Role.SessionName, false)
	}
	if r.Role == nil {
		return cache.SessionKey(r.Source, r.Device)
	}
	return cache.RoleKey(r.Source, r.Device, r.Role.ARN, r.Role.Options(), r.Role.SessionName, r.Role.Direct)
}

// loginDevice stands for the device in the key of a role assumed with an `aws login`
// session: no serial has this form, so the key never names a device's role credentials.
const loginDevice = "aws login"

// InKeyring reports whether r's credentials are cached in the keyring: all but an `aws
// login` session's own, which live in its token file.
func (r Request) InKeyring() bool { return r.Login == nil || r.Role != nil }

// fileKeyID is the access key id the files hold for the key source now, "" when they hold
// no complete pair.
func (r Request) fileKeyID() string {
	if r.FileKeys == nil {
		return ""
	}
	return r.FileKeys.AccessKeyID
}

// Account is the account the credentials act in: the role's, else the aws login session's
// user's, else the device's ("" for a hardware serial).
func (r Request) Account() string {
	if r.Role != nil {
		return awsconfig.Account(r.Role.ARN)
	}
	if r.Login != nil {
		return awsconfig.Account(r.Login.Session)
	}
	return awsconfig.Account(r.Device)
}

// Sessions is the part of cache.Store Lookup reads.
type Sessions interface {
	Session(ctx context.Context, k cache.Key) (cache.Entry, error)
}

// Lookup reads the item under r's key (one keyring read) and judges it at now under policy p
// (Policy.Judge): the verdict says whether it serves, and why not. A missing item is a miss
// (NotCached), not an error; err is set only when the keyring failed.
func Lookup(ctx context.Context, s Sessions, r Request, p Policy, now time.Time) (e cache.Entry, v Verdict, err error) {
	if !r.InKeyring() {
		return lookupToken(r, p, now)
	}
	e, err = s.Session(ctx, r.Key())
	switch {
	case err == nil:
		return e, p.Judge(r, e, now), nil
	case errors.Is(err, cache.ErrNotFound):
		return cache.Entry{}, Verdict{}, nil
	}
	return cache.Entry{}, Verdict{}, fmt.Errorf("read cached credentials of profile %s: %w", r.Profile, err)
}

// lookupToken reads an `aws login` session's token file, which holds its own credentials,
// and judges them at now under p. A file that is missing or cannot be read is a miss
// (NotCached): package loginsession says why.
func lookupToken(r Request, p Policy, now time.Time) (cache.Entry, Verdict, error) {
	path, err := tokenfile.Path(r.Login.Session)
	if err != nil {
		return cache.Entry{}, Verdict{}, nil
	}
	t, err := tokenfile.ReadFor(path, r.Login.Session)
	if err != nil {
		return cache.Entry{}, Verdict{}, nil
	}
	e := t.Entry()
	return e, p.Judge(r, e, now), nil
}
