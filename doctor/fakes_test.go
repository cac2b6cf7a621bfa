package doctor

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/loginsession"
	"github.com/mfacred/mfacred/session"
)

const aliceARN = "arn:aws:iam::123456789012:user/alice"

// aliceKeys are the long-term keys AWS knows alice by.
var aliceKeys = cache.Credentials{AccessKeyID: "AKIACORETEST00000001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYcoretest"}

// fakeAWS is STS and IAM as they answer alice: keys other than hers are refused as AWS
// refuses them (SignatureDoesNotMatch), her devices are listed.
type fakeAWS struct {
	user    string
	keys    cache.Credentials // the keys AWS accepts
	signed  cache.Credentials // the keys the calls are signed with
	devices []string
	skew    time.Duration // how far AWS's clock is ahead of this machine's
}

func (a *fakeAWS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if a.signed != a.keys {
		return nil, &smithy.GenericAPIError{Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided."}
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(a.user)}, nil
}

func (a *fakeAWS) ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	out := &iam.ListMFADevicesOutput{}
	for _, d := range a.devices {
		out.MFADevices = append(out.MFADevices, iamtypes.MFADevice{SerialNumber: aws.String(d)})
	}
	return out, nil
}

func (a *fakeAWS) Skew() (time.Duration, bool) { return a.skew, true }
func (a *fakeAWS) Endpoint() string            { return "https://sts.amazonaws.com" }

// probes is process's flow as doctor sees it, over the rig's keyring: the keys stored there, a
// seed AWS accepts only if it is the device's, a role assumed only with a cached MFA session
// (as session.Provider's probes do). Nothing is cached.
type probes struct{ r *rig }

func (p probes) LongTermKeys(ctx context.Context, r hit.Request) (cache.Credentials, bool, error) {
	keys, err := p.r.store.Keys(ctx, r.Source)
	if err != nil {
		return cache.Credentials{}, false, fmt.Errorf("profile %s: %w", r.Source, session.ErrNoKeys)
	}
	return keys, false, nil
}

func (p probes) TrySeed(_ context.Context, r hit.Request, seed string) error {
	p.r.seeds = append(p.r.seeds, seed)
	if seed != testSeed || r.Device != testSerial {
		return fmt.Errorf("profile %s: %w", r.Profile, session.ErrBadCode)
	}
	return nil
}

func (p probes) TryRole(ctx context.Context, r hit.Request) (string, error) {
	p.r.roleTries++
	if r.Role.Direct {
		return "", session.ErrDirectRole
	}
	sr := r
	sr.Role = nil
	if _, err := p.r.store.Session(ctx, sr.Key()); err != nil {
		return "", fmt.Errorf("profile %s: %w of profile %s", r.Profile, session.ErrNoSession, r.Source)
	}
	return "arn:aws:sts::222222222222:assumed-role/Admin/mfacred-doctor", nil
}

// testStore is the rig's keyring as doctor reads it; an aws login session's credentials are
// read from the rig's token file.
type testStore struct{ r *rig }

func (s testStore) Reachable(ctx context.Context) error   { return s.r.store.Reachable(ctx) }
func (s testStore) SessionsOnly(ctx context.Context) bool { return s.r.store.SessionsOnly(ctx) }
func (s testStore) Seed(ctx context.Context, serial string) (string, error) {
	return s.r.store.Seed(ctx, serial)
}

func (s testStore) Lookup(ctx context.Context, r hit.Request, now time.Time) (cache.Entry, hit.Verdict, error) {
	if r.InKeyring() {
		return hit.Lookup(ctx, s.r.store, r, hit.Process, now)
	}
	t, _, err := tokenFile{s.r.loginToken}.Read()
	if err != nil {
		return cache.Entry{}, hit.Verdict{}, nil // as hit.Lookup: no token file is a miss
	}
	e := t.Entry()
	return e, hit.Process.Judge(r, e, now), nil
}

// tokenFile is an `aws login` session kept in the token file at path, fresh: it needs no
// refresh.
type tokenFile struct{ path string }

func (f tokenFile) Path() (string, error) { return f.path, nil }

func (f tokenFile) Read() (*loginsession.Token, string, error) {
	b, err := os.ReadFile(f.path)
	if err != nil {
		return nil, f.path, err
	}
	t, err := loginsession.Parse(b)
	return t, f.path, err
}

func (f tokenFile) Credentials(context.Context) (cache.Entry, error) {
	t, _, err := f.Read()
	if err != nil {
		return cache.Entry{}, err
	}
	return t.Entry(), nil
}
