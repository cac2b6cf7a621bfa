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
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/prompt"
)

// RenewBefore is how long before expiry a session is renewed. botocore refreshes when fewer
// than 15 minutes are left (10 mandatory), so a session with less would make the AWS CLI call
// the helper on every request (aws-facts.md §2).
const RenewBefore = 15 * time.Minute

// LockTimeout bounds the wait for another process's refresh, well inside the Go SDK's 60 s
// kill (aws-facts.md §2).
const LockTimeout = 45 * time.Second

// CodeStep is the TOTP period of AWS devices.
const CodeStep = 30 * time.Second

// MaxTries is how many codes typed at the terminal are tried before giving up.
const MaxTries = 3

// TokenGetter is the part of the STS client a Provider needs.
type TokenGetter interface {
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
}

// Store is the part of cache.Store a Provider needs.
type Store interface {
	Session(k cache.Key) (cache.Entry, error)
	PutSession(k cache.Key, e cache.Entry) error
	Keys(profile string) (cache.Credentials, error)
	Lock(name string, timeout time.Duration) (io.Closer, error)
	CodeUsed(device, code string) (time.Time, bool)
	MarkCodeUsed(device, code string, at time.Time) error
}

// Request names what to get credentials for.
type Request struct {
	Profile  string // the profile asked for, for messages
	Source   string // the profile whose long-term keys are used
	Device   string // mfa_serial
	Duration time.Duration
	// FileKeys are the source profile's static keys from the credentials or config file,
	// used when no keys are stored in the keyring for Source. Nil when there are none.
	FileKeys *cache.Credentials
	// FileKeysErr is reported if the file keys are needed but could not be read.
	FileKeysErr error
}

// Provider returns session credentials for a profile.
type Provider struct {
	Store Store
	// NewSTS builds a client signed with the long-term keys. It is called only on a refresh,
	// so the hit path builds nothing.
	NewSTS func(ctx context.Context, keys cache.Credentials) (TokenGetter, error)
	// Codes returns the code source for the request, tried only on a refresh.
	Codes func() (prompt.Source, error)
	Now   func() time.Time
	// Sleep waits, or returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
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

// usable reports whether a cached entry may be served for r now.
func (p *Provider) usable(e cache.Entry, r Request) bool {
	if e.Expiration.Sub(p.now()) <= RenewBefore {
		return false
	}
	if e.FromFile {
		// Keys in a file can change under us: serve only for the keys the file holds now.
		return r.FileKeys != nil && r.FileKeys.AccessKeyID == e.SourceKeyID
	}
	return true // `mfacred add` drops the sessions of replaced keys
}

// Credentials returns a session for r, from the cache or from STS.
func (p *Provider) Credentials(ctx context.Context, r Request) (cache.Entry, error) {
	key := cache.SessionKey(r.Source, r.Device)
	if e, err := p.Store.Session(key); err == nil && p.usable(e, r) {
		return e, nil
	} else if err != nil && !errors.Is(err, cache.ErrNotFound) {
		return cache.Entry{}, fmt.Errorf("read cached session: %w", err)
	}

	lock, err := p.Store.Lock("device|"+r.Device, LockTimeout)
	if err != nil {
		return cache.Entry{}, fmt.Errorf("wait for the refresh of device %s: %w", r.Device, err)
	}
	defer lock.Close()
	if e, err := p.Store.Session(key); err == nil && p.usable(e, r) {
		return e, nil
	}

	keys, fromFile, err := p.longTermKeys(r)
	if err != nil {
		return cache.Entry{}, err
	}
	client, err := p.NewSTS(ctx, keys)
	if err != nil {
		return cache.Entry{}, fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	src, err := p.Codes()
	if err != nil {
		return cache.Entry{}, err
	}
	e, err := p.refresh(ctx, r, client, src)
	if err != nil {
		return cache.Entry{}, err
	}
	e.SourceKeyID, e.FromFile, e.Source, e.Device = keys.AccessKeyID, fromFile, r.Source, r.Device
	if err := p.Store.PutSession(key, e); err != nil {
		return cache.Entry{}, err
	}
	return e, nil
}

// ErrNoKeys is returned when a profile has no long-term keys anywhere.
var ErrNoKeys = errors.New("no long-term keys")

func (p *Provider) longTermKeys(r Request) (cache.Credentials, bool, error) {
	keys, err := p.Store.Keys(r.Source)
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
		return *r.FileKeys, true, nil
	}
	return cache.Credentials{}, false, fmt.Errorf("profile %s: %w stored in the keyring or the credentials file", r.Source, ErrNoKeys)
}

// refresh gets a code and exchanges it for a session, asking a person again (up to MaxTries)
// when AWS rejects a typed code.
func (p *Provider) refresh(ctx context.Context, r Request, client TokenGetter, src prompt.Source) (cache.Entry, error) {
	retry := ""
	for try := 1; ; try++ {
		code, err := p.freshCode(ctx, r, src, retry)
		if err != nil {
			return cache.Entry{}, err
		}
		out, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{
			DurationSeconds: ptr(int32(r.Duration / time.Second)),
			SerialNumber:    &r.Device,
			TokenCode:       &code,
		})
		// AWS has seen the code, accepted or not: it must never be sent again.
		// A lost record only risks one rejected code later, so its error does not fail the call.
		_ = p.Store.MarkCodeUsed(r.Device, code, p.now())
		if err == nil {
			c := out.Credentials
			if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil || c.Expiration == nil {
				return cache.Entry{}, fmt.Errorf("profile %s: STS answered GetSessionToken without credentials", r.Profile)
			}
			return cache.Entry{
				Credentials: cache.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken},
				Expiration:  c.Expiration.UTC(),
			}, nil
		}
		err = Explain(r, err)
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

// Explain turns the STS errors people meet into sentences that say what to do.
func Explain(r Request, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "invalid MFA one time pass code"):
		return fmt.Errorf("profile %s: %w for device %s (wrong, expired or already used; check the clock if this repeats)", r.Profile, ErrBadCode, r.Device)
	case strings.Contains(msg, "verify your MFA serial number"):
		return fmt.Errorf("profile %s: device %s is %w: since November 2022 a device is named when it is created, so mfa/USERNAME may be wrong; list yours with `aws iam list-mfa-devices`", r.Profile, r.Device, ErrNotYourDevice)
	case strings.Contains(msg, "InvalidClientTokenId"), strings.Contains(msg, "SignatureDoesNotMatch"):
		return fmt.Errorf("profile %s: AWS does not accept the long-term keys of profile %s: store working ones with `mfacred add %s`", r.Profile, r.Source, r.Source)
	}
	return fmt.Errorf("profile %s: GetSessionToken with device %s: %w", r.Profile, r.Device, err)
}
