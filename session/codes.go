package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/prompt"
)

// Seeds is the part of cache.Store that holds TOTP seeds.
type Seeds interface {
	Seed(ctx context.Context, serial string) (string, error)
}

// CodeSource picks the first code source that applies to device for profile: its stored seed,
// the profile's mfa_process (mfaProcess), else a person at the terminal, or at a desktop
// dialog when there is no terminal. A damaged seed is refused before any code is spent. ctx
// bounds the seed's read: pass the refresh's own (Provider.Codes).
func CodeSource(ctx context.Context, seeds Seeds, profile, device, mfaProcess string) (prompt.Source, error) {
	seed, err := seeds.Seed(ctx, device)
	switch {
	case err == nil:
		if _, err := prompt.ParseSeed(seed); err != nil {
			return nil, fmt.Errorf("profile %s: the seed stored for device %s is damaged (%w): store it again with `mfacred totp set --profile %s`, or drop it with `mfacred totp remove --profile %s`",
				profile, device, err, shellword.Quote(profile), shellword.Quote(profile))
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

// withKeys prepares a call signed with the long-term keys that sends a code: the client, the
// code source (from codes), and base, which records the keys the result derives from.
func (p *Provider) withKeys(ctx context.Context, r Request, codes func(context.Context) (prompt.Source, error)) (client STS, base cache.Entry, src prompt.Source, err error) {
	keys, fromFile, err := p.LongTermKeys(ctx, r)
	if err != nil {
		return nil, base, nil, err
	}
	base = cache.Entry{SourceKeyID: keys.AccessKeyID, FromFile: fromFile}
	if client, err = p.NewSTS(ctx, keys); err != nil {
		return nil, base, nil, fmt.Errorf("profile %s: %w", r.Profile, err)
	}
	if src, err = codes(ctx); err != nil {
		return nil, base, nil, err
	}
	return client, base, src, nil
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
		if err := p.Store.MarkCodeUsed(ctx, r.Device, code, p.now()); err != nil {
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
		at, used := p.Store.CodeUsed(ctx, r.Device, code)
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
