package console

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/localsts"
	"github.com/mfacred/mfacred/partition"
)

func TestDestination(t *testing.T) {
	aws, _ := partition.Of("arn:aws:iam::1:role/R")
	cn, _ := partition.Of("arn:aws-cn:iam::1:role/R")
	for _, c := range []struct {
		p            partition.Partition
		region, dest string
		want         string // "" for an error
	}{
		{aws, "", "", "https://console.aws.amazon.com/console/home"},
		{aws, "eu-west-1", "", "https://console.aws.amazon.com/console/home?region=eu-west-1"},
		{aws, "us-east-1", "s3", "https://console.aws.amazon.com/s3/home?region=us-east-1"},
		{aws, "us-east-1", "cloudwatch", "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1"},
		{aws, "us-east-1", "/ec2/home#Instances", "https://console.aws.amazon.com/ec2/home?region=us-east-1#Instances"},
		{aws, "us-east-1", "/ec2/home?region=eu-west-1", "https://console.aws.amazon.com/ec2/home?region=eu-west-1"},
		{aws, "", "https://eu-west-1.console.aws.amazon.com/lambda/home", "https://eu-west-1.console.aws.amazon.com/lambda/home"},
		{cn, "cn-north-1", "s3", "https://console.amazonaws.cn/s3/home?region=cn-north-1"},
		{aws, "us-east-1", "https://evil.example/console.aws.amazon.com", ""},
		{aws, "us-east-1", "https://console.aws.amazon.com.evil.example/", ""},
		{aws, "us-east-1", "http://console.aws.amazon.com/s3", ""},
		{aws, "us-east-1", "https://console.aws.amazon.com:8443/s3", ""},
		{aws, "us-east-1", "https://user@console.aws.amazon.com/s3", ""},
		{aws, "us-east-1", "S3 buckets", ""},
		{aws, "cn-north-1", "s3", ""}, // a China region with a role in aws
		{aws, "not a region", "", ""},
	} {
		got, err := Destination(c.p, c.region, c.dest)
		if c.want == "" {
			if err == nil {
				t.Errorf("%s %q %q: %s, want an error", c.p.Name, c.region, c.dest, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q %q: %q %v, want %q", c.p.Name, c.region, c.dest, got, err, c.want)
		}
	}
}

func TestCheckEndpoint(t *testing.T) {
	for ep, ok := range map[string]bool{
		"https://signin.aws.amazon.com/federation": true,
		"http://127.0.0.1:8080/federation":         true,
		"http://[::1]:8080/federation":             true,
		"http://localhost/federation":              true,
		"http://signin.example.com/federation":     false,
		"ftp://127.0.0.1/federation":               false,
		"signin.aws.amazon.com":                    false,
		"https://signin.aws.amazon.com/f?x=1":      false,
	} {
		if err := CheckEndpoint(ep); (err == nil) != ok {
			t.Errorf("%s: %v", ep, err)
		}
	}
}

// creds are credentials from the local STS: long-term keys, a GetSessionToken session, a
// role assumed with the keys (not chained) and one assumed with the session (chained).
type creds struct{ keys, session, direct, chained cache.Credentials }

func newSTS(t *testing.T) (*localsts.Server, creds) {
	t.Helper()
	seed := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	u := localsts.User{Name: "alice", Account: "111111111111", AccessKeyID: "AKIAEXAMPLE000000009", SecretAccessKey: "secret-of-alice-0000000000000009",
		Devices: []localsts.Device{{Serial: "arn:aws:iam::111111111111:mfa/phone", Seed: seed}}}
	s := localsts.New(u)
	t.Cleanup(s.Close)
	s.AddRole(localsts.Role{ARN: "arn:aws:iam::222222222222:role/Admin", MaxSessionDuration: 43200})
	client := func(c cache.Credentials) *sts.Client {
		return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
			Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)})
	}
	get := func(c *types.Credentials) cache.Credentials {
		return cache.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
	}
	ctx := context.Background()
	var out creds
	out.keys = cache.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}
	st, err := client(out.keys).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: &u.Devices[0].Serial, TokenCode: aws.String(localsts.Code(seed, time.Now()))})
	if err != nil {
		t.Fatal(err)
	}
	out.session = get(st.Credentials)
	assume := func(c cache.Credentials) cache.Credentials {
		o, err := client(c).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/Admin"), RoleSessionName: aws.String("alice")})
		if err != nil {
			t.Fatal(err)
		}
		return get(o.Credentials)
	}
	out.direct, out.chained = assume(out.keys), assume(out.session)
	return s, out
}

// The federation endpoint takes role credentials only, and SessionDuration only with
// credentials that are not role-chained; errors never hold a secret.
func TestSigninToken(t *testing.T) {
	s, c := newSTS(t)
	p, _ := partition.Of("arn:aws:iam::222222222222:role/Admin")
	f := Federation{Endpoint: s.URL + "/federation"}
	ctx := context.Background()
	secrets := []string{c.keys.SecretAccessKey, c.session.SecretAccessKey, c.session.SessionToken, c.direct.SecretAccessKey, c.direct.SessionToken, c.chained.SecretAccessKey, c.chained.SessionToken}
	noSecret := func(err error) {
		t.Helper()
		for _, sec := range secrets {
			if err != nil && strings.Contains(err.Error(), sec) {
				t.Fatalf("error holds a secret: %v", err)
			}
		}
	}

	for name, tc := range map[string]struct {
		c        cache.Credentials
		duration time.Duration
		ok       bool
	}{
		"direct role":                   {c.direct, 0, true},
		"direct role, 8 h":              {c.direct, 8 * time.Hour, true},
		"chained role":                  {c.chained, 0, true},
		"chained role, SessionDuration": {c.chained, time.Hour, false},
		"GetSessionToken session":       {c.session, 0, false},
		"long-term keys":                {c.keys, 0, false},
	} {
		token, err := f.SigninToken(ctx, p, tc.c, tc.duration)
		noSecret(err)
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, ErrRefused) {
			t.Errorf("%s: token %t, error %v", name, token != "", err)
		}
	}
	var got []int
	for _, si := range s.Signins() {
		got = append(got, si.SessionDuration)
		if si.Role != "arn:aws:sts::222222222222:assumed-role/Admin/alice" {
			t.Errorf("token for %s", si.Role)
		}
	}
	if len(got) != 3 || got[0]+got[1]+got[2] != 8*3600 {
		t.Errorf("SessionDurations sent %v, want 0, 28800 and 0 in some order", got)
	}

	// An endpoint that does not answer: the error names it and holds no credentials.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String() + "/federation"
	l.Close()
	_, err := Federation{Endpoint: dead}.SigninToken(ctx, p, c.direct, 0)
	noSecret(err)
	if err == nil || !strings.Contains(err.Error(), dead) {
		t.Fatalf("dead endpoint: %v", err)
	}
	s.Inject(localsts.Fault{Action: "getSigninToken", Status: 503, Message: "busy", Times: 1})
	if _, err := f.SigninToken(ctx, p, c.direct, 0); err == nil || errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("503: %v", err)
	}
}

func TestURL(t *testing.T) {
	p, _ := partition.Of("arn:aws-us-gov:iam::1:role/R")
	u, err := url.Parse(URL(p, "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1", "TOKEN-1"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "https" || u.Host != "signin.amazonaws-us-gov.com" || u.Path != "/federation" || q.Get("Action") != "login" ||
		q.Get("Issuer") != Issuer || q.Get("Destination") != "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1" || q.Get("SigninToken") != "TOKEN-1" {
		t.Fatalf("URL %s", u)
	}
}

// browser is an Opener that fetches the link as a browser would, without following the
// redirect, and records what it saw.
type browser struct {
	link, location string
	status, again  int
}

func (b *browser) open(link string) (<-chan error, error) {
	b.link = link
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(link)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	b.status, b.location = resp.StatusCode, resp.Header.Get("Location")
	if resp, err := c.Get(link); err == nil {
		b.again = resp.StatusCode
		resp.Body.Close()
	}
	exited := make(chan error, 1)
	exited <- nil
	return exited, nil
}

// The browser gets the sign-in URL once, by a redirect from a loopback link that holds no
// part of it; a failing opener, a browser that never comes and Ctrl-C end the wait.
func TestHandoff(t *testing.T) {
	const signin = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=SECRET-TOKEN"
	var b browser
	if err := Handoff(context.Background(), signin, b.open, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(b.link)
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || strings.Contains(b.link, "SECRET") || len(u.Path) < 40 {
		t.Fatalf("local link %s", b.link)
	}
	if b.status != http.StatusSeeOther || b.location != signin || b.again != http.StatusGone {
		t.Fatalf("first fetch %d to %q, second %d; want 303 to the sign-in URL, then 410", b.status, b.location, b.again)
	}

	err := Handoff(context.Background(), signin, Program(io.Discard, "false"), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("opener exiting 1: %v", err)
	}
	if err := Handoff(context.Background(), signin, Program(io.Discard, "no-such-opener-here"), 10*time.Second); err == nil {
		t.Fatal("a missing opener was not reported")
	}
	idle := func(string) (<-chan error, error) { return nil, nil }
	if err := Handoff(context.Background(), signin, idle, 50*time.Millisecond); !errors.Is(err, ErrNotFetched) {
		t.Fatalf("nobody fetched: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	if err := Handoff(ctx, signin, idle, time.Minute); !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled: %v after %s", err, time.Since(start))
	}
}

func TestLength(t *testing.T) {
	for _, c := range []struct {
		chained           bool
		roleLife, asked   time.Duration
		minLeft, duration time.Duration
		err               error
	}{
		{true, time.Hour, 0, 0, 0, nil},
		{true, time.Hour, 45 * time.Minute, 45 * time.Minute, 0, nil},
		{true, time.Hour, time.Hour, time.Hour, 0, nil},
		{true, time.Hour, 2 * time.Hour, 0, 0, ErrChainingCap},
		{true, 30 * time.Minute, 45 * time.Minute, 0, 0, ErrOutlasts},
		{false, time.Hour, 0, 0, 0, nil},
		{false, time.Hour, 8 * time.Hour, 0, 8 * time.Hour, nil},
	} {
		minLeft, d, err := Length(c.chained, c.roleLife, c.asked)
		if minLeft != c.minLeft || d != c.duration || !errors.Is(err, c.err) {
			t.Errorf("%+v: %s %s %v", c, minLeft, d, err)
		}
	}
}

// After the browser fetched the link, a second fetch still gets the "used" page while login
// ends, not a refused connection (README.md, "The console as a role"); Ctrl-C ends that wait
// at once.
func TestHandoffAnswersUsedAfterFetch(t *testing.T) {
	const signin = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=SECRET-TOKEN"
	links := make(chan string, 1)
	open := func(link string) (<-chan error, error) {
		links <- link
		go func() {
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if resp, err := c.Get(link); err == nil {
				resp.Body.Close()
			}
		}()
		return nil, nil
	}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	go func() { done <- Handoff(ctx, signin, open, 10*time.Second) }()
	link := <-links
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ { // the first fetch lands, then ours
		time.Sleep(20 * time.Millisecond)
		if resp, err = http.Get(link); err == nil && resp.StatusCode == http.StatusGone {
			break
		}
	}
	if err != nil || resp.StatusCode != http.StatusGone {
		t.Fatalf("a second fetch: %v %v, want 410 and the used page", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "used already") || strings.Contains(string(body), "SECRET") {
		t.Fatalf("the used page: %q", body)
	}
	select {
	case err := <-done:
		t.Fatalf("Handoff returned (%v) before its grace ran out: a later fetch would be refused", err)
	default:
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a handed-off link, then Ctrl-C: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Ctrl-C did not end the wait within a second")
	}
	if time.Since(start) > 15*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
}

// An endpoint with a fragment (or an empty query) would carry the credentials in the part of
// the URL that is never sent: it is refused.
func TestCheckEndpointRefusesFragment(t *testing.T) {
	for _, ep := range []string{"https://signin.aws.amazon.com/federation#x", "https://signin.aws.amazon.com/federation#", "http://127.0.0.1:1/f?"} {
		if err := CheckEndpoint(ep); err == nil {
			t.Errorf("%s: accepted", ep)
		}
	}
}

// Service names and console hosts are compared case-insensitively, as DNS and the console do.
func TestDestinationCaseInsensitive(t *testing.T) {
	aws, _ := partition.Of("arn:aws:iam::1:role/R")
	for dest, want := range map[string]string{
		"S3":                                     "https://console.aws.amazon.com/s3/home?region=us-east-1",
		"CloudWatch":                             "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1",
		"https://Console.AWS.Amazon.com/s3/home": "https://console.aws.amazon.com/s3/home?region=us-east-1",
		"https://EU-WEST-1.console.aws.amazon.COM/lambda/": "https://eu-west-1.console.aws.amazon.com/lambda/?region=us-east-1",
	} {
		got, err := Destination(aws, "us-east-1", dest)
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", dest, got, err, want)
		}
	}
}
