// Package session turns long-term IAM user keys and an MFA code into STS session
// credentials, cached so that a code is asked for only when a session must be renewed.
//
// The flow of Provider.Credentials, top to bottom:
//
//  1. read the cached session (one keyring read, no network): serve it if it lives longer
//     than the renewal margin and was made with the keys the profile uses now;
//  2. otherwise take the device's lock, so that parallel callers share one refresh, and
//     read the cache again: another process may have renewed it meanwhile;
//  3. load the long-term keys, get a code from the first code source that applies, never
//     sending a code twice (AWS accepts each once);
//  4. call GetSessionToken, store the session, return it.
//
// A failed refresh never touches the cached session or the stored keys.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/prompt"
)

// RenewBefore is how long before expiry a session is renewed (cache.RenewBefore).
const RenewBefore = cache.RenewBefore

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
	LockOrWait(ctx context.Context, name string, timeout time.Duration) (io.Closer, error)
	CodeUsed(device, code string) (time.Time, bool)
	MarkCodeUsed(device, code string, at time.Time) error
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
	// Codes returns the code source for the request, tried only on a refresh.
	Codes func() (prompt.Source, error)
	Now   func() time.Time
	// Sleep waits, or returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Warn is told when credentials just obtained could not be cached (ErrNotCached, wrapping
	// the store's error, e.g. cache.ErrFull): they are returned all the same. Nil: nothing is
	// said.
	Warn func(err error)
	// Ahead renews cached credentials this much earlier than the cache's own margin, for a
	// caller that must renew before its clients need it (the credentials server).
	Ahead time.Duration
}

// ErrNotCached marks the warning that credentials just obtained could not be cached: they
// were returned all the same, so the caller has them for their whole lifetime.
var ErrNotCached = errors.New("credentials not cached")

// store caches credentials just obtained. Once STS has answered, the code is spent: a write
// that fails (no room, a keyring that is locked or times out, the record's lock timing out)
// must not cost the caller the credentials too, so it is a warning, not a failure. A failed
// write leaves the session cached before as it was (cache.Store.PutSession).
func (p *Provider) store(ctx context.Context, r Request, e cache.Entry) error {
	err := p.Store.PutSession(ctx, r.Key(), e)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("profile %s: cache the credentials of device %s: %w", r.Profile, r.Device, err)
	}
	if p.Warn != nil {
		p.Warn(fmt.Errorf("profile %s: %w for device %s (they are returned, and asked for again next time): %w", r.Profile, ErrNotCached, r.Device, err))
	}
	return nil
}

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
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Credentials returns a session for r, or r.Role's credentials, from the cache or from STS.
func (p *Provider) Credentials(ctx context.Context, r Request) (cache.Entry, error) {
	get := p.sessionCredentials
	if r.Role != nil {
		get = p.roleCredentials
	}
	if r.Login != nil {
		get = p.loginCredentials // login.go
	}
	e, err := get(ctx, r)
	if err != nil && cannotRenew(err) && ctx.Err() == nil {
		if old, ok := p.lastResort(ctx, r); ok {
			if p.Warn != nil {
				p.Warn(fmt.Errorf("%w; serving the cached credentials, which expire in %s", err, old.Expiration.Sub(p.now()).Round(time.Minute)))
			}
			return old, nil
		}
	}
	return e, err
}

// HardLimit is how long before expiry the SDKs stop using credentials: botocore and the Go
// SDK refresh them at any cost with less than 10 minutes left (cache.RenewBefore).
const HardLimit = 10 * time.Minute

// cannotRenew reports whether a refresh failed for want of a code source or of STS, rather
// than because AWS refused something.
func cannotRenew(err error) bool {
	var send *smithyhttp.RequestSendError
	return errors.Is(err, ErrSTSUnavailable) || errors.Is(err, prompt.ErrNoTerminal) ||
		errors.Is(err, prompt.ErrTimedOut) || errors.As(err, &send)
}

// lastResort returns the cached entry under r's key when it still lives longer than
// HardLimit: renewed early (RenewBefore) while it can be, it is still good to the SDKs when
// it cannot.
func (p *Provider) lastResort(ctx context.Context, r Request) (cache.Entry, bool) {
	if !r.InKeyring() {
		return cache.Entry{}, false // an aws login session's own: package loginsession decides
	}
	e, ok, _ := hit.Lookup(ctx, p.Store, r, p.now().Add(HardLimit-RenewBefore))
	return e, ok
}

// cached returns the entry under r's key if it may be served.
func (p *Provider) cached(ctx context.Context, r Request) (cache.Entry, bool, error) {
	return hit.Lookup(ctx, p.Store, r, p.now().Add(p.Ahead))
}

// lockThenCached takes the lock called name, or waits for the process that holds it and
// serves what that one cached; only if it cached nothing usable does this process try to take
// the lock itself. With the lock held it reads the cache once more: another process may have
// renewed the entry just before.
func (p *Provider) lockThenCached(ctx context.Context, r Request, name, what string) (io.Closer, cache.Entry, bool, error) {
	// The wait leaves room to read what the other process stored (docs/aws-contract.md §2).
	until := time.Now().Add(deadline.Left(ctx, deadline.LockWait, deadline.Keyring))
	for {
		lock, err := p.Store.LockOrWait(ctx, name, time.Until(until))
		if err != nil {
			return nil, cache.Entry{}, false, fmt.Errorf("profile %s: wait for the refresh of %s: %w", r.Profile, what, err)
		}
		e, ok, _ := p.cached(ctx, r)
		switch {
		case ok:
			if lock != nil {
				lock.Close()
			}
			return nil, e, true, nil
		case lock != nil:
			return lock, cache.Entry{}, false, nil
		}
		// The holder cached nothing usable (it failed): take over.
	}
}

func (p *Provider) sessionCredentials(ctx context.Context, r Request) (cache.Entry, error) {
	if e, ok, err := p.cached(ctx, r); ok || err != nil {
		return e, err
	}
	lock, e, ok, err := p.lockThenCached(ctx, r, "device|"+r.Device, "device "+r.Device)
	if ok || err != nil {
		return e, err
	}
	defer lock.Close()

	client, base, src, err := p.withKeys(ctx, r)
	if err != nil {
		return cache.Entry{}, err
	}
	e, err = p.withCode(ctx, r, src, func(code string) (cache.Entry, error) {
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
		return cache.Entry{}, err
	}
	e.SourceKeyID, e.FromFile, e.Source, e.Device = base.SourceKeyID, base.FromFile, r.Source, r.Device
	if err := p.store(ctx, r, e); err != nil {
		return cache.Entry{}, err
	}
	return e, nil
}

// roleCredentials assumes r.Role with the source session (taken from the cache, or renewed
// with a code, under the device's lock as any session), or in Direct mode with the
// long-term keys and a code of its own.
func (p *Provider) roleCredentials(ctx context.Context, r Request) (cache.Entry, error) {
	if e, ok, err := p.cached(ctx, r); ok || err != nil {
		return e, err
	}
	// Direct mode sends a code, so it queues with the device's other refreshes.
	lockName := "role|" + string(r.Key())
	if r.Role.Direct {
		lockName = "device|" + r.Device
	}
	lock, e, ok, err := p.lockThenCached(ctx, r, lockName, "role "+r.Role.ARN)
	if ok || err != nil {
		return e, err
	}
	defer lock.Close()

	var (
		client STS
		base   cache.Entry // says which long-term keys the credentials derive from
		src    prompt.Source
	)
	if r.Role.Direct {
		if client, base, src, err = p.withKeys(ctx, r); err != nil {
			return cache.Entry{}, err
		}
	} else {
		sr := r
		sr.Role, sr.MinLeft = nil, 0
		if base, err = p.sessionCredentials(ctx, sr); err != nil {
			return cache.Entry{}, err
		}
		if client, err = p.NewSTS(ctx, base.Credentials); err != nil {
			return cache.Entry{}, fmt.Errorf("profile %s: %w", r.Profile, err)
		}
	}
	name := r.Role.SessionName
	if name == "" {
		if name, err = p.sessionName(ctx, client, r, base.SourceKeyID); err != nil {
			return cache.Entry{}, err
		}
	}
	in := assumeRoleInput(r, name, int32(r.Role.Duration))
	assume := func() (cache.Entry, error) {
		ctx, cancel := context.WithTimeout(ctx, deadline.Call)
		defer cancel()
		out, err := client.AssumeRole(ctx, in)
		if err != nil {
			return cache.Entry{}, ExplainRole(r, err)
		}
		e, err := entry(r, "AssumeRole", out.Credentials)
		if out.AssumedRoleUser != nil && out.AssumedRoleUser.Arn != nil {
			e.ARN = *out.AssumedRoleUser.Arn
		}
		return e, err
	}
	if r.Role.Direct {
		e, err = p.withCode(ctx, r, src, func(code string) (cache.Entry, error) {
			in.SerialNumber, in.TokenCode = &r.Device, &code
			return assume()
		})
	} else {
		e, err = assume()
	}
	if err != nil {
		return cache.Entry{}, err
	}
	e.SourceKeyID, e.FromFile, e.Source, e.Device, e.Role = base.SourceKeyID, base.FromFile, r.Source, r.Device, r.Role.ARN
	if err := p.store(ctx, r, e); err != nil {
		return cache.Entry{}, err
	}
	return e, nil
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
	return in
}

// ErrNoSession is returned by TryRole when no MFA session is cached to assume the role with.
var ErrNoSession = errors.New("no cached MFA session")

// ErrDirectRole is returned by TryRole for a role assumed with a code of its own.
var ErrDirectRole = errors.New("the role is assumed with a code of its own")

// TryRole assumes r.Role once with the cached MFA session, as Credentials would, for the
// shortest time AWS allows and without caching the result: it proves the trust policy, MFA
// condition and external id without spending a code. It returns the assumed-role ARN.
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
	if err != nil || src.Expiration.Sub(p.now()) < time.Minute {
		return "", fmt.Errorf("profile %s: %w of profile %s", r.Profile, ErrNoSession, r.Source)
	}
	client, err := p.NewSTS(ctx, src.Credentials)
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
		return "", ExplainRole(r, err)
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
	if err := p.Store.MarkCodeUsed(r.Device, code, p.now()); err != nil {
		return fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	ctx, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	if _, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: ptr(int32(900)), SerialNumber: &r.Device, TokenCode: &code}); err != nil {
		return Explain(r, err)
	}
	return nil
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

// entry checks that STS answered with complete credentials.
func entry(r Request, op string, c *types.Credentials) (cache.Entry, error) {
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil || c.Expiration == nil {
		return cache.Entry{}, fmt.Errorf("profile %s: STS answered %s without credentials", r.Profile, op)
	}
	return cache.Entry{
		Credentials: cache.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken},
		Expiration:  c.Expiration.UTC(),
	}, nil
}

// withKeys prepares a call signed with the long-term keys that sends a code: the client, the
// code source, and base, which records the keys the result derives from.
func (p *Provider) withKeys(ctx context.Context, r Request) (client STS, base cache.Entry, src prompt.Source, err error) {
	keys, fromFile, err := p.LongTermKeys(ctx, r)
	if err != nil {
		return nil, base, nil, err
	}
	base = cache.Entry{SourceKeyID: keys.AccessKeyID, FromFile: fromFile}
	if client, err = p.NewSTS(ctx, keys); err != nil {
		return nil, base, nil, fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	if src, err = p.Codes(); err != nil {
		return nil, base, nil, err
	}
	return client, base, src, nil
}

// Seeds is the part of cache.Store that holds TOTP seeds.
type Seeds interface {
	Seed(ctx context.Context, serial string) (string, error)
}

// CodeSource picks the first code source that applies to device for profile: its stored seed,
// the profile's mfa_process (mfaProcess), else a person at the terminal, or at a desktop
// dialog when there is no terminal. A damaged seed is refused before any code is spent.
func CodeSource(ctx context.Context, seeds Seeds, profile, device, mfaProcess string) (prompt.Source, error) {
	seed, err := seeds.Seed(ctx, device)
	switch {
	case err == nil:
		if _, err := prompt.ParseSeed(seed); err != nil {
			return nil, fmt.Errorf("profile %s: the seed stored for device %s is damaged (%w): store it again with `mfacred totp set --profile %s`, or drop it with `mfacred totp remove --profile %s`",
				profile, device, err, profile, profile)
		}
		return prompt.Seed{Secret: seed}, nil
	case !errors.Is(err, cache.ErrNotFound):
		return nil, fmt.Errorf("read seed of device %s: %w", device, err)
	case mfaProcess != "":
		return prompt.Process{Command: mfaProcess}, nil
	}
	t := prompt.Terminal{}
	if d := prompt.DesktopDialog(); d != nil {
		t.Fallback = d
	}
	return t, nil
}

// ErrNoKeys is returned when a profile has no long-term keys anywhere.
var ErrNoKeys = errors.New("no long-term keys")

// LongTermKeys returns the keys r.Source signs with: stored in the keyring, else r.FileKeys
// (fromFile).
func (p *Provider) LongTermKeys(ctx context.Context, r Request) (keys cache.Credentials, fromFile bool, err error) {
	keys, err = p.Store.Keys(ctx, r.Source)
	if err == nil {
		return keys, false, nil
	}
	if !errors.Is(err, cache.ErrNotFound) {
		return cache.Credentials{}, false, fmt.Errorf("read keys of profile %s: %w", r.Source, err)
	}
	if r.FileKeysErr != nil {
		return cache.Credentials{}, false, r.FileKeysErr
	}
	if r.FileKeys != nil {
		return cache.Credentials{AccessKeyID: r.FileKeys.AccessKeyID, SecretAccessKey: r.FileKeys.SecretAccessKey}, true, nil
	}
	return cache.Credentials{}, false, fmt.Errorf("profile %s: %w stored in the keyring or the credentials file", r.Source, ErrNoKeys)
}

// withCode gets a code and passes it to call, asking a person again (up to MaxTries) when
// AWS rejects a typed code. call returns explained errors.
func (p *Provider) withCode(ctx context.Context, r Request, src prompt.Source, call func(code string) (cache.Entry, error)) (cache.Entry, error) {
	retry := ""
	for try := 1; ; try++ {
		code, err := p.freshCode(ctx, r, src, retry)
		if err != nil {
			return cache.Entry{}, err
		}
		// Recorded before it is sent: once AWS may have seen a code, accepted or not, it must
		// never be sent again, even if this process dies waiting for the answer. A code that
		// cannot be recorded is not sent (cache.Store.MarkCodeUsed retries a busy file first).
		if err := p.Store.MarkCodeUsed(r.Device, code, p.now()); err != nil {
			return cache.Entry{}, fmt.Errorf("profile %s: %w", r.Profile, err)
		}
		e, err := call(code)
		if err == nil {
			return e, nil
		}
		if errors.Is(err, ErrBadCode) && src.Interactive() && try < MaxTries {
			retry = "AWS rejected that code; try the next one"
			continue
		}
		return cache.Entry{}, err
	}
}

// freshCode gets a code that has not been sent before: a generated one that was used
// already is replaced by the next step's; a person is asked again.
func (p *Provider) freshCode(ctx context.Context, r Request, src prompt.Source, retry string) (string, error) {
	for attempt := 0; attempt < 4; attempt++ {
		code, err := src.Code(ctx, prompt.Request{Profile: r.Profile, Device: r.Device, Retry: retry})
		if err != nil {
			return "", err
		}
		if err := prompt.CheckCode(code); err != nil {
			if src.Interactive() {
				retry = err.Error()
				continue
			}
			return "", fmt.Errorf("profile %s: %s: %w", r.Profile, src.Name(), err)
		}
		at, used := p.Store.CodeUsed(r.Device, code)
		if !used || p.now().Sub(at) > 3*CodeStep {
			return code, nil
		}
		if src.Interactive() {
			retry = "that code was used already; wait for the next one"
			continue
		}
		// Wait for the next TOTP step after the one the code was used in.
		next := at.Truncate(CodeStep).Add(CodeStep)
		if err := p.sleep(ctx, next.Sub(p.now())+200*time.Millisecond); err != nil {
			return "", fmt.Errorf("profile %s: waiting for a new code: %w", r.Profile, err)
		}
	}
	return "", fmt.Errorf("profile %s: no new MFA code for device %s", r.Profile, r.Device)
}

func ptr[T any](v T) *T { return &v }

// ErrBadCode is returned when AWS rejects an MFA code.
var ErrBadCode = errors.New("AWS rejected the MFA code")

// ErrNotYourDevice is returned when the serial is not one of the user's MFA devices.
var ErrNotYourDevice = errors.New("not one of your MFA devices")

// apiError is the AWS error in err's chain: its code (InvalidClientTokenId, AccessDenied...)
// and message. ok is false for errors AWS did not send (docs/aws-contract.md §4).
func apiError(err error) (code, message string, ok bool) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", "", false
	}
	return ae.ErrorCode(), ae.ErrorMessage(), true
}

// httpStatus is the HTTP status of the answer in err's chain, 0 if there was none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// ErrSTSUnavailable is wrapped by the errors of a refresh that failed through nobody's fault in
// the request: STS (or a proxy in between) did not answer in time, throttled, or failed on its
// side, still after the SDK's retries. A caller may serve a session that is still valid instead.
var ErrSTSUnavailable = errors.New("STS unavailable")

// sentence is an error worded for a person that still tells callers its kind.
type sentence struct {
	text string
	kind error
}

func (s sentence) Error() string { return s.text }
func (s sentence) Unwrap() error { return s.kind }

// transient explains the failures that are nobody's fault in the request: a hanging STS,
// throttling, AWS's own errors. ok is false for anything else.
func transient(r Request, op string, err error) (error, bool) {
	code, _, _ := apiError(err)
	_, throttled := retry.DefaultThrottleErrorCodes[code]
	status := httpStatus(err)
	var text string
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		text = fmt.Sprintf("profile %s: STS did not answer %s within %s: check the network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL_STS", r.Profile, op, deadline.Call)
	case throttled || status == http.StatusTooManyRequests:
		text = fmt.Sprintf("profile %s: STS throttled %s, still after retries: try again in a minute (%s)", r.Profile, op, awsText(err, status))
	case status >= 500:
		text = fmt.Sprintf("profile %s: STS failed %s on its side, still after retries: try again shortly (%s)", r.Profile, op, awsText(err, status))
	default:
		return nil, false
	}
	return sentence{text, ErrSTSUnavailable}, true
}

// awsText is what AWS said: the error code and message, else the HTTP status.
func awsText(err error, status int) string {
	if code, msg, ok := apiError(err); ok {
		return code + ": " + msg
	}
	return fmt.Sprintf("HTTP %d", status)
}

// Explain turns the STS errors people meet into sentences that say what to do.
func Explain(r Request, err error) error {
	if e, ok := transient(r, "GetSessionToken", err); ok {
		return e
	}
	code, msg, _ := apiError(err)
	switch {
	// AWS names both MFA failures AccessDenied; only the message tells them apart.
	case code == "AccessDenied" && strings.Contains(msg, "invalid MFA one time pass code"):
		return fmt.Errorf("profile %s: %w for device %s (wrong, expired or already used; check the clock if this repeats)", r.Profile, ErrBadCode, r.Device)
	case code == "AccessDenied" && strings.Contains(msg, "verify your MFA serial number"):
		return fmt.Errorf("profile %s: device %s is %w: since November 2022 a device is named when it is created, so mfa/USERNAME may be wrong; list yours with `aws iam list-mfa-devices`", r.Profile, r.Device, ErrNotYourDevice)
	case KeysRejected(err):
		return fmt.Errorf("profile %s: AWS does not accept the long-term keys of profile %s: store working ones with `mfacred add %s`", r.Profile, r.Source, r.Source)
	}
	return fmt.Errorf("profile %s: GetSessionToken with device %s: %w", r.Profile, r.Device, err)
}

// KeysRejected reports whether AWS refused the keys a request was signed with: an unknown
// access key id, or a secret that does not match it.
func KeysRejected(err error) bool {
	code, _, _ := apiError(err)
	return code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch"
}

// ExplainRole explains AssumeRole's errors.
func ExplainRole(r Request, err error) error {
	if e, ok := transient(r, "AssumeRole", err); ok {
		return e
	}
	code, msg, _ := apiError(err)
	switch {
	case code == "AccessDenied" && strings.Contains(msg, "MultiFactorAuthentication failed"):
		return Explain(r, err)
	// Both duration refusals are ValidationError; only the message tells which limit was hit.
	case code == "ValidationError" && strings.Contains(msg, "1 hour session limit"):
		return fmt.Errorf("profile %s: role %s: a role assumed with an MFA session is role chaining, which AWS caps at 3600 seconds: set mfacred_role_duration_seconds = 3600 or less, or mfacred_role_direct = true", r.Profile, r.Role.ARN)
	case code == "ValidationError" && strings.Contains(msg, "MaxSessionDuration"):
		return fmt.Errorf("profile %s: role %s allows shorter sessions than %d seconds (its MaxSessionDuration): lower mfacred_role_duration_seconds or raise the role's limit", r.Profile, r.Role.ARN, r.Role.Duration)
	case code == "AccessDenied":
		how := "with the MFA session of profile " + r.Source
		if r.Role.Direct {
			how = "with the long-term keys of profile " + r.Source + " and a code"
		}
		return fmt.Errorf("profile %s: AWS refused to let you assume role %s %s: check the role's trust policy (principal, MFA condition, external id)", r.Profile, r.Role.ARN, how)
	case code == "ExpiredToken", code == "InvalidClientTokenId" && !r.Role.Direct:
		return fmt.Errorf("profile %s: AWS refused the cached MFA session of profile %s (revoked?): run `mfacred clear --profile %s` and try again", r.Profile, r.Source, r.Source)
	case KeysRejected(err):
		return Explain(r, err)
	}
	return fmt.Errorf("profile %s: AssumeRole %s: %w", r.Profile, r.Role.ARN, err)
}
