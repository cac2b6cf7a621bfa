package doctor

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/loginsession"
)

// New is the doctor of store's keyring with the real parts: the config files as process reads
// them (awsconfig.Load), the SDK's STS and IAM clients built as every call builds them
// (awsclient), the profile's token file (loginsession), and probes, what process would use
// for a profile.
func New(store *cache.Store, self string, probes func(*awsconfig.Files, *awsconfig.Profile) Probes) *Doctor {
	return &Doctor{
		Store: keyring{store}, Keyring: store.KeyringName(), Self: self,
		Load: awsconfig.Load, Probes: probes, AWS: sdkAWS,
		Login: func(p *awsconfig.Profile) LoginSession { return tokenSession{loginsession.New(p, store)} },
	}
}

// keyring is the Store of a cache.Store.
type keyring struct{ *cache.Store }

func (k keyring) Lookup(ctx context.Context, r hit.Request, now time.Time) (cache.Entry, hit.Verdict, error) {
	return hit.Lookup(ctx, k.Store, r, hit.Process, now)
}

// sdk is AWS through the SDK's clients, on one config whose answers the clock watches.
type sdk struct {
	sts *sts.Client
	iam *iam.Client
	*awsclient.Clock
}

func sdkAWS(ctx context.Context, p *awsconfig.Profile, keys cache.Credentials) (AWS, error) {
	cfg, err := awsclient.Config(ctx, awsclient.For(p), keys)
	if err != nil {
		return nil, err
	}
	clock := awsclient.WatchClock(&cfg)
	return sdk{sts.NewFromConfig(cfg), iam.NewFromConfig(cfg), clock}, nil
}

func (s sdk) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return s.sts.GetCallerIdentity(ctx, in, opts...)
}

func (s sdk) ListMFADevices(ctx context.Context, in *iam.ListMFADevicesInput, opts ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	return s.iam.ListMFADevices(ctx, in, opts...)
}

// tokenSession is an `aws login` session with its token file's path.
type tokenSession struct{ *loginsession.Session }

func (s tokenSession) Path() (string, error) { return loginsession.Path(s.Login.Session) }

// Credentials are what process would serve (loginsession.Session.Credentials); a warning
// with them is process's to say, not doctor's.
func (s tokenSession) Credentials(ctx context.Context) (cache.Entry, error) {
	got, err := s.Session.Credentials(ctx)
	return got.Entry, err
}
