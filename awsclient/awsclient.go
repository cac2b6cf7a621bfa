// Package awsclient builds the AWS SDK clients mfacred's own calls use, from the profile
// mfacred's one reader of the files (awsconfig) resolved: the SDK's shared-config loader is
// never handed a profile, nor let read the files at all, since it reads them by other rules
// (docs/config-files.md, "Client settings"). The environment variables the SDK honours
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, AWS_CA_BUNDLE, AWS_MAX_ATTEMPTS, HTTPS_PROXY, ...)
// are read by the SDK's own environment reader and applied over the profile's settings as the
// SDK applies them; that is also how the tests reach the local STS.
package awsclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awscfg "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
)

// DefaultRegion is the region when none is set anywhere: STS answers there for every account.
const DefaultRegion = "us-east-1"

// DefaultMaxAttempts is how many times a call is tried when neither AWS_MAX_ATTEMPTS nor the
// profile's max_attempts says: the SDK's standard mode.
const DefaultMaxAttempts = 3

// Target says whose settings a client takes: a profile ("" for none) and the region the config
// sets for it ("" for none); awsconfig.Region applies the environment on top.
type Target struct {
	Profile string
	Region  string
	// Files are the files Profile was read from; nil: Config reads them (awsconfig.Load).
	Files *awsconfig.Files
}

// For is the target of a resolved profile.
func For(p *awsconfig.Profile) Target {
	return Target{Profile: p.Name, Region: p.Region, Files: p.Files()}
}

// Config is an SDK config for t, signed with keys: long-term ones, or a session's.
func Config(ctx context.Context, t Target, keys cache.Credentials) (aws.Config, error) {
	var settings awsconfig.ClientSettings
	if t.Profile != "" {
		files := t.Files
		if files == nil {
			var err error
			if files, err = awsconfig.Load(); err != nil {
				return aws.Config{}, err
			}
		}
		var err error
		if settings, err = files.ClientSettings(t.Profile); err != nil {
			return aws.Config{}, err
		}
	}
	return build(t.Region, settings, keys)
}

// build makes the config by hand from the profile's settings and the SDK's reading of the
// environment (awscfg.NewEnvConfig, which reads no file), applying the environment over the
// profile as config.LoadDefaultConfig does: the SDK's resolvers look through ConfigSources in
// order, the environment first.
func build(configured string, s awsconfig.ClientSettings, keys cache.Credentials) (aws.Config, error) {
	env, err := awscfg.NewEnvConfig()
	if err != nil {
		return aws.Config{}, fmt.Errorf("read AWS environment: %w", err)
	}
	region := awsconfig.Region(configured)
	if region == "" {
		region = DefaultRegion
	}
	prof := profileSource{s}
	cfg := aws.Config{
		Region:        region,
		Credentials:   aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(keys.AccessKeyID, keys.SecretAccessKey, keys.SessionToken)),
		Logger:        logging.Nop{},
		ConfigSources: []any{env, prof},
	}

	ignore := false
	if env.IgnoreConfiguredEndpoints != nil {
		ignore = *env.IgnoreConfiguredEndpoints
	} else if s.IgnoreConfiguredEndpoints != nil {
		ignore = *s.IgnoreConfiguredEndpoints
	}
	switch {
	case ignore:
	case env.BaseEndpoint != "":
		cfg.BaseEndpoint = aws.String(env.BaseEndpoint)
	case s.EndpointURL != "":
		cfg.BaseEndpoint = aws.String(s.EndpointURL)
	}

	switch {
	case env.RetryMode != "":
		cfg.RetryMode = env.RetryMode
	case s.RetryMode != "":
		cfg.RetryMode = aws.RetryMode(s.RetryMode)
	default:
		cfg.RetryMode = aws.RetryModeStandard
	}
	switch {
	case env.RetryMaxAttempts != 0:
		cfg.RetryMaxAttempts = env.RetryMaxAttempts
	case s.MaxAttempts != 0:
		cfg.RetryMaxAttempts = s.MaxAttempts
	default:
		cfg.RetryMaxAttempts = DefaultMaxAttempts
	}

	client := awshttp.NewBuildableClient()
	bundle, from := caBundle(env, s)
	if bundle != "" {
		pem, err := os.ReadFile(bundle)
		if err != nil {
			return aws.Config{}, fmt.Errorf("read CA bundle %s (%s): %w", bundle, from, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return aws.Config{}, fmt.Errorf("read CA bundle %s (%s): no PEM certificate in it", bundle, from)
		}
		client = client.WithTransportOptions(func(tr *http.Transport) {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{}
			}
			tr.TLSClientConfig.RootCAs = pool
		})
	}
	cfg.HTTPClient = client
	return cfg, nil
}

// caBundle is the CA bundle file the client trusts (AWS_CA_BUNDLE over the profile's
// ca_bundle), "" for the system's roots, and where it was named.
func caBundle(env awscfg.EnvConfig, s awsconfig.ClientSettings) (path, from string) {
	if env.CustomCABundle != "" {
		return env.CustomCABundle, "AWS_CA_BUNDLE"
	}
	return s.CABundle, "ca_bundle of profile " + s.Profile
}

// profileSource hands the profile's endpoint settings to the SDK's resolvers, after the
// environment (cfg.ConfigSources): it has the methods they look for.
type profileSource struct{ s awsconfig.ClientSettings }

// GetServiceBaseEndpoint is the endpoint_url of service sdkID in the profile's services block.
func (p profileSource) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := p.s.ServiceEndpoints[serviceKey(sdkID)]
	return v, ok, nil
}

// GetIgnoreConfiguredEndpoints is the profile's ignore_configured_endpoint_urls.
func (p profileSource) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	if p.s.IgnoreConfiguredEndpoints == nil {
		return false, false, nil
	}
	return *p.s.IgnoreConfiguredEndpoints, true, nil
}

// GetUseFIPSEndpoint is the profile's use_fips_endpoint.
func (p profileSource) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	switch {
	case p.s.UseFIPSEndpoint == nil:
		return aws.FIPSEndpointStateUnset, false, nil
	case *p.s.UseFIPSEndpoint:
		return aws.FIPSEndpointStateEnabled, true, nil
	}
	return aws.FIPSEndpointStateDisabled, true, nil
}

// GetUseDualStackEndpoint is the profile's use_dualstack_endpoint.
func (p profileSource) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	switch {
	case p.s.UseDualStackEndpoint == nil:
		return aws.DualStackEndpointStateUnset, false, nil
	case *p.s.UseDualStackEndpoint:
		return aws.DualStackEndpointStateEnabled, true, nil
	}
	return aws.DualStackEndpointStateDisabled, true, nil
}

// serviceKey is a service's key in a services block: its SDK id in lower case, blanks as _
// (STS: sts).
func serviceKey(sdkID string) string {
	b := []byte(sdkID)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == ' ':
			b[i] = '_'
		}
	}
	return string(b)
}

// STS is an STS client for t signed with keys.
func STS(ctx context.Context, t Target, keys cache.Credentials) (*sts.Client, error) {
	cfg, err := Config(ctx, t, keys)
	if err != nil {
		return nil, err
	}
	return sts.NewFromConfig(cfg), nil
}

// Clock measures how far AWS's clock (the Date header of its answers) is from this machine's:
// TOTP codes fail with 30 s of skew (docs/aws-contract.md §4).
// It also records the endpoint it last called, to name one that does not answer.
type Clock struct {
	inner    aws.HTTPClient
	skew     time.Duration
	seen     bool
	endpoint string
}

// WatchClock makes every answer to cfg's clients update the returned Clock.
func WatchClock(cfg *aws.Config) *Clock {
	inner := cfg.HTTPClient
	if inner == nil {
		inner = awshttp.NewBuildableClient()
	}
	c := &Clock{inner: inner}
	cfg.HTTPClient = c
	return c
}

// Do sends r and notes the answer's Date.
func (c *Clock) Do(r *http.Request) (*http.Response, error) {
	c.endpoint = r.URL.Scheme + "://" + r.URL.Host
	start := time.Now()
	resp, err := c.inner.Do(r)
	if err == nil {
		if d, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			took := time.Since(start)
			// Date is truncated to the second: the server's time lies in [d, d+1s).
			c.skew, c.seen = d.Add(500*time.Millisecond).Sub(start.Add(took/2)), true
		}
	}
	return resp, err
}

// Skew is how far AWS's clock is ahead of this machine's (negative: behind); ok is false
// when no answer carried a Date.
func (c *Clock) Skew() (skew time.Duration, ok bool) { return c.skew, c.seen }

// Endpoint is the scheme and host of the last call, "" before any.
func (c *Clock) Endpoint() string { return c.endpoint }
