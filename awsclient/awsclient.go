// Package awsclient builds the AWS SDK clients mfacred's own calls use. They are built the
// SDK's way (config.LoadDefaultConfig), so that AWS_ENDPOINT_URL(_STS/_IAM), a profile's
// endpoint_url, AWS_CA_BUNDLE and HTTPS_PROXY are honoured as in any SDK program
// (docs/aws-contract.md §3); that is also how the tests reach the local STS.
package awsclient

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awscfg "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
)

// DefaultRegion is the region when none is set anywhere: STS answers there for every account.
const DefaultRegion = "us-east-1"

// Target says whose settings a client takes: a profile ("" for none, or one not in the config
// file) and the region the config sets for it ("" for none); awsconfig.Region applies the
// environment on top.
type Target struct {
	Profile string
	Region  string
}

// Config is an SDK config for t, signed with keys: long-term ones, or a session's.
func Config(ctx context.Context, t Target, keys cache.Credentials) (aws.Config, error) {
	region := awsconfig.Region(t.Region)
	if region == "" {
		region = DefaultRegion
	}
	opts := []func(*awscfg.LoadOptions) error{
		awscfg.WithRegion(region),
		awscfg.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(keys.AccessKeyID, keys.SecretAccessKey, keys.SessionToken)),
		awscfg.WithRetryMaxAttempts(3),
	}
	if t.Profile != "" {
		opts = append(opts, awscfg.WithSharedConfigProfile(t.Profile))
	}
	cfg, err := awscfg.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// STS is an STS client for t signed with keys.
func STS(ctx context.Context, t Target, keys cache.Credentials) (*sts.Client, error) {
	cfg, err := Config(ctx, t, keys)
	if err != nil {
		return nil, err
	}
	return sts.NewFromConfig(cfg), nil
}

// For is the target of a resolved profile.
func For(p *awsconfig.Profile) Target { return Target{Profile: p.Name, Region: p.Region} }

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
