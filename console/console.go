// Package console signs in to the AWS Management Console as a role, the way AWS describes for
// a custom identity broker (README.md, "The console as a role"):
//
//  1. the role credentials are exchanged at the federation endpoint of the role's partition
//     (package partition)
//     (Action=getSigninToken) for a sign-in token, valid for 15 minutes;
//  2. the sign-in URL (Action=login with Issuer, Destination and SigninToken) is built;
//  3. the URL is handed to the browser through a one-shot link on the loopback interface
//     (Handoff), so that it is never in a program's argv.
//
// Only role credentials (AssumeRole) are accepted by the federation endpoint: not long-term
// keys, not GetSessionToken sessions. SessionDuration, the console session's length, must not
// be sent with role-chained credentials (a role assumed with session credentials); the
// console session then ends with the credentials.
//
// The sign-in URL and the token in it are bearer secrets: nothing here logs them or puts
// them in an error.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/partition"
)

// Issuer names mfacred in the sign-in URL.
const Issuer = "mfacred"

// Console session lengths the federation endpoint accepts as SessionDuration.
const (
	MinSession = 15 * time.Minute
	MaxSession = 12 * time.Hour
)

// CallTimeout bounds the getSigninToken call, as one STS call is bounded.
const CallTimeout = deadline.Call

var (
	serviceRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Destination is the console page to open in partition p: dest is empty (the console's
// home), a service name (s3 -> https://HOST/s3/home), a path (/ec2/home#Instances), or a full
// URL on the partition's console host. Service names and hosts are compared and written in
// lower case (S3 is s3; Console.AWS.Amazon.com is the console). The region, when set, is
// added as ?region=R unless dest names one.
func Destination(p partition.Partition, region, dest string) (string, error) {
	if region != "" {
		if !regionRE.MatchString(region) {
			return "", fmt.Errorf("region %q is not a region name", region)
		}
		if rp := partition.OfRegion(region); rp != p.Name {
			return "", fmt.Errorf("region %s is in partition %s, the role in %s", region, rp, p.Name)
		}
	}
	var u *url.URL
	switch {
	case dest == "":
		u = &url.URL{Scheme: "https", Host: p.Console, Path: "/console/home"}
	case serviceRE.MatchString(dest):
		u = &url.URL{Scheme: "https", Host: p.Console, Path: "/" + strings.ToLower(dest) + "/home"}
	case strings.HasPrefix(dest, "/"):
		var err error
		if u, err = url.Parse("https://" + p.Console + dest); err != nil || u.Host != p.Console {
			return "", fmt.Errorf("destination %q is not a console path", dest)
		}
	case len(dest) >= len("https://") && strings.EqualFold(dest[:len("https://")], "https://"):
		var err error
		u, err = url.Parse(dest)
		if err == nil {
			u.Host = strings.ToLower(u.Host)
		}
		if err != nil || u.User != nil || u.Port() != "" || (u.Hostname() != p.Console && !strings.HasSuffix(u.Hostname(), "."+p.Console)) {
			return "", fmt.Errorf("destination %q is not on the console of partition %s (https://%s/...)", dest, p.Name, p.Console)
		}
	default:
		return "", fmt.Errorf("destination %q is neither a service name (s3), a console path (/s3/home) nor a console URL (https://%s/...)", dest, p.Console)
	}
	if region != "" {
		q := u.Query()
		if q.Get("region") == "" {
			q.Set("region", region)
			u.RawQuery = q.Encode()
		}
	}
	return u.String(), nil
}

// ChainingCap is how long AWS lets role credentials assumed with session credentials (role
// chaining) live.
const ChainingCap = time.Hour

// Errors of Length.
var (
	ErrChainingCap = errors.New("more than role chaining allows")
	ErrOutlasts    = errors.New("longer than the role credentials live")
)

// Length decides how a console session of asked (0: as long as the credentials) is had from
// role credentials that live roleLife when new. Role-chained credentials may not send
// SessionDuration and the console session ends with them, so they must themselves live
// asked: minLeft is what the cached ones must have left (ErrChainingCap past one hour,
// ErrOutlasts past roleLife). Other role credentials send asked as sessionDuration.
func Length(chained bool, roleLife, asked time.Duration) (minLeft, sessionDuration time.Duration, err error) {
	switch {
	case !chained:
		return 0, asked, nil
	case asked > ChainingCap:
		return 0, 0, ErrChainingCap
	case asked > roleLife:
		return 0, 0, ErrOutlasts
	}
	return asked, 0, nil
}

// Doer sends HTTP requests: an *http.Client, or the AWS SDK's client (which honours
// AWS_CA_BUNDLE and HTTPS_PROXY).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Federation is a client of the federation endpoint.
type Federation struct {
	HTTP Doer // nil: http.DefaultClient
	// Endpoint replaces https://SIGNIN-HOST/federation of every partition where the token is
	// asked for (for tests: a local endpoint). The sign-in URL keeps the partition's host.
	Endpoint string
}

// CheckEndpoint accepts an https URL, or http to a loopback address (for a local test
// endpoint): the credentials travel in it. It has no query and no fragment: the query mfacred
// adds would land in a fragment, which is never sent.
func CheckEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || strings.Contains(endpoint, "#") {
		return fmt.Errorf("federation endpoint %q is not a URL like https://signin.aws.amazon.com/federation", endpoint)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("federation endpoint %q must be https (http only to a loopback address): the credentials travel in it", endpoint)
}

// ErrRefused is returned when the federation endpoint refuses the credentials.
var ErrRefused = errors.New("the federation endpoint refused the role credentials")

// SigninToken exchanges role credentials for a sign-in token at p's federation endpoint.
// duration, when not zero, is sent as SessionDuration; it must be zero for role-chained
// credentials. Errors never hold the credentials.
func (f Federation) SigninToken(ctx context.Context, p partition.Partition, c cache.Credentials, duration time.Duration) (string, error) {
	endpoint := "https://" + p.Signin + "/federation"
	if f.Endpoint != "" {
		if err := CheckEndpoint(f.Endpoint); err != nil {
			return "", err
		}
		endpoint = f.Endpoint
	}
	session, err := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		return "", err
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	if duration != 0 {
		q.Set("SessionDuration", fmt.Sprint(int(duration/time.Second)))
	}
	cctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("federation endpoint %s: %w", endpoint, err)
	}
	hc := f.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// A *url.Error quotes the whole URL, whose query holds the credentials: keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if deadline.Expired(ctx, cctx) {
			return "", fmt.Errorf("federation endpoint %s did not answer within %s: check the network or a proxy (HTTPS_PROXY)", endpoint, CallTimeout)
		}
		return "", fmt.Errorf("call federation endpoint %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read answer of federation endpoint %s: %w", endpoint, err)
	}
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return "", fmt.Errorf("%w (HTTP %d from %s)", ErrRefused, resp.StatusCode, endpoint)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("federation endpoint %s answered HTTP %d: try again shortly", endpoint, resp.StatusCode)
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("federation endpoint %s answered without a SigninToken", endpoint)
	}
	return out.SigninToken, nil
}

// URL is the sign-in URL that opens destination with token: a bearer secret for 15 minutes.
func URL(p partition.Partition, destination, token string) string {
	q := url.Values{"Action": {"login"}, "Issuer": {Issuer}, "Destination": {destination}, "SigninToken": {token}}
	return "https://" + p.Signin + "/federation?" + q.Encode()
}
