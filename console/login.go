package console

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/partition"
)

// Login is one `mfacred login`: a role profile's credentials, cached or assumed with the MFA
// session, exchanged at the federation endpoint for a console sign-in URL.
type Login struct {
	// Profile is the profile's name, read with Load (awsconfig: the AWS config files).
	Profile string
	Load    func(name string) (*awsconfig.Files, *awsconfig.Profile, error)
	// Destination is --destination: a service name, a console path or a console URL.
	Destination string
	// Duration is the console session's length; 0: as long as the role credentials.
	Duration time.Duration
	// Endpoint replaces the partition's federation endpoint when not empty (for tests).
	Endpoint string
	// Credentials returns the profile's credentials for r (session.Provider, errors explained).
	Credentials func(ctx context.Context, files *awsconfig.Files, p *awsconfig.Profile, r hit.Request) (cache.Entry, error)
	// HTTP is the client for the federation endpoint given the credentials; nil: the AWS
	// client's for the profile (awsclient: its ca_bundle, AWS_CA_BUNDLE and HTTPS_PROXY, as for
	// STS). A nil result: http.DefaultClient.
	HTTP func(ctx context.Context, c cache.Credentials) Doer
}

// SignIn checks the request, gets role credentials that live as long as the console session
// must, and returns the sign-in URL and when the console session ends. Nothing is fetched for
// a request that cannot be served.
func (l Login) SignIn(ctx context.Context) (string, time.Time, error) {
	if l.Endpoint != "" {
		if err := CheckEndpoint(l.Endpoint); err != nil {
			return "", time.Time{}, fmt.Errorf("MFACRED_FEDERATION_ENDPOINT: %w", err)
		}
	}
	files, p, err := l.Load(l.Profile)
	if err != nil {
		return "", time.Time{}, err
	}
	if p.Role == nil {
		return "", time.Time{}, fmt.Errorf("profile %s has no mfacred_role_arn: a console sign-in URL needs role (or federation) credentials, and GetFederationToken, the only way to federation credentials from an IAM user's keys, cannot carry MFA, so a deny-unless-MFA policy refuses them; sign in to the console as the IAM user with your MFA device, or make a role profile (mfacred_source_profile = %s, mfacred_role_arn = ...) and run `mfacred login` with it", p.Name, p.Name)
	}
	part, err := partition.Of(p.Role.ARN)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("profile %s: mfacred_role_arn: %w", p.Name, err)
	}
	destination, err := Destination(part, p.Region, l.Destination)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	roleLife := time.Duration(p.Role.Duration) * time.Second
	minLeft, sessionDuration, err := Length(!p.Role.Direct, roleLife, l.Duration)
	switch {
	case errors.Is(err, ErrChainingCap):
		return "", time.Time{}, fmt.Errorf("profile %s: a console session of %s is more than role chaining allows: the role is assumed with the MFA session, AWS caps such role credentials at one hour, and the console session ends with them; ask for --duration 1h or less, or set mfacred_role_direct = true in profile %s for console sessions of up to 12h (one MFA code per role)", p.Name, l.Duration, p.Name)
	case errors.Is(err, ErrOutlasts):
		return "", time.Time{}, fmt.Errorf("profile %s: a console session of %s outlasts its role credentials (mfacred_role_duration_seconds = %d), and with role chaining the console session ends with them; ask for --duration %s or less, or raise mfacred_role_duration_seconds (3600 at most)", p.Name, l.Duration, p.Role.Duration, roleLife)
	}
	r := hit.For(files, p)
	r.MinLeft = minLeft
	entry, err := l.Credentials(ctx, files, p, r)
	if err != nil {
		return "", time.Time{}, err
	}
	fed := Federation{Endpoint: l.Endpoint}
	if l.HTTP != nil {
		fed.HTTP = l.HTTP(ctx, entry.Credentials)
	} else if cfg, err := awsclient.Config(ctx, awsclient.For(p), entry.Credentials); err == nil && cfg.HTTPClient != nil {
		fed.HTTP = cfg.HTTPClient
	}
	token, err := fed.SigninToken(ctx, part, entry.Credentials, sessionDuration)
	if errors.Is(err, ErrRefused) {
		return "", time.Time{}, fmt.Errorf("profile %s, role %s: %w: if the role session was revoked, run `mfacred clear --profile %s` and try again", p.Name, p.Role.ARN, err, shellword.Quote(p.Name))
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	ends := entry.Expiration
	if sessionDuration != 0 {
		ends = time.Now().Add(sessionDuration)
	}
	return URL(part, destination, token), ends, nil
}

// ParseDuration parses login's --duration: a Go duration (90m, 8h) or whole seconds, from
// MinSession to MaxSession; "" is 0, as long as the role credentials.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if n, nerr := strconv.Atoi(s); nerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("--duration %q: not a duration like 1h or 90m, nor seconds", s)
	case d%time.Second != 0:
		return 0, fmt.Errorf("--duration %s: whole seconds only", s)
	case d < MinSession || d > MaxSession:
		return 0, fmt.Errorf("--duration %s: a console session lasts from 15m to 12h", s)
	}
	return d, nil
}
