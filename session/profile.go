package session

import (
	"context"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/prompt"
)

// ForProfile is the Provider `mfacred process` uses for the resolved profile p: keys and
// sessions in store, STS as the profile's settings reach it (awsclient), codes from the stored
// seed, mfa_process or the terminal (CodeSource), read within the refresh's ctx.
func ForProfile(store *cache.Store, p *awsconfig.Profile) *Provider {
	return &Provider{
		Store:  store,
		Client: awsclient.For(p),
		NewSTS: func(ctx context.Context, keys cache.Credentials) (STS, error) {
			return awsclient.STS(ctx, awsclient.For(p), keys)
		},
		Codes: func(ctx context.Context) (prompt.Source, error) {
			return CodeSource(ctx, store, p.Name, p.MFASerial, p.MFAProcess)
		},
	}
}

// OfProfile returns the credentials of profile name, read from the AWS files as botocore reads
// them (awsconfig.Load), from the cache or from STS (ForProfile), within the budget of one call
// (deadline.Process): the whole of `mfacred process` but the printing. The Outcome says, typed,
// why they are stale or were not cached.
func OfProfile(ctx context.Context, store *cache.Store, name string) (*awsconfig.Profile, Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, deadline.Process)
	defer cancel()
	files, p, err := LoadProfile(name)
	if err != nil {
		return nil, Outcome{}, err
	}
	out, err := ForProfile(store, p).Credentials(ctx, hit.For(files, p))
	return p, out, err
}

// LoadProfile reads the AWS files (awsconfig.Load) and resolves profile name.
func LoadProfile(name string) (*awsconfig.Files, *awsconfig.Profile, error) {
	files, err := awsconfig.Load()
	if err != nil {
		return nil, nil, err
	}
	p, err := files.Resolve(name)
	if err != nil {
		return nil, nil, err
	}
	return files, p, nil
}
