package credserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/session"
)

// serve prints an address clients can use: never the wildcard it listens on.
func TestClientURL(t *testing.T) {
	for _, tc := range []struct{ listen, network, want string }{
		{"127.0.0.1:0", "tcp4", "http://127.0.0.1:PORT/credentials"},
		{"0.0.0.0:0", "tcp4", "http://127.0.0.1:PORT/credentials"},
		{":0", "tcp", "http://127.0.0.1:PORT/credentials"},
		{"[::]:0", "tcp6", "http://[::1]:PORT/credentials"},
		{"localhost:0", "tcp", "http://localhost:PORT/credentials"},
	} {
		t.Run(tc.listen, func(t *testing.T) {
			l, err := net.Listen(tc.network, tc.listen)
			switch {
			case err != nil && os.Getenv("CI") == "true":
				t.Fatalf("listen on %s: %v (CI must have IPv6 loopback, or this case checks nothing)", tc.listen, err)
			case err != nil:
				t.Skipf("listen on %s: %v (no IPv6 here)", tc.listen, err)
			}
			defer l.Close()
			_, port, _ := net.SplitHostPort(l.Addr().String())
			if got, want := ClientURL(tc.listen, l), strings.ReplaceAll(tc.want, "PORT", port); got != want {
				t.Errorf("--listen %s: %s, want %s", tc.listen, got, want)
			}
		})
	}
}

func TestRetryAfterIsBounded(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n < 20; n++ {
		d := retryAfter(n)
		if d < prev || d > 2*time.Minute || d < 5*time.Second {
			t.Fatalf("retryAfter(%d) = %s after %s", n, d, prev)
		}
		prev = d
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:0": true, "127.1.2.3:80": true, "[::1]:9911": true, "localhost:9911": true,
		"0.0.0.0:9911": false, ":9911": false, "172.17.0.1:9911": false, "[::]:1": false, "example.com:1": false, "nonsense": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// fakeFetch hands out numbered credentials that live life, failing while fail is set.
type fakeFetch struct {
	mu    sync.Mutex
	n     int
	life  time.Duration
	fail  error
	calls int
}

func (f *fakeFetch) fetch(ctx context.Context) (session.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return session.Outcome{}, f.fail
	}
	f.n++
	return session.Outcome{Entry: cache.Entry{
		Credentials: cache.Credentials{AccessKeyID: fmt.Sprintf("ASIA%d", f.n), SecretAccessKey: "secret", SessionToken: "token"},
		Expiration:  time.Now().Add(f.life),
	}}, nil
}

func (f *fakeFetch) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

const token = "0123456789abcdef0123456789abcdef"

func start(t *testing.T, f *fakeFetch, log io.Writer) (url string, stop func()) {
	t.Helper()
	s := &Server{Fetch: f.fetch, Token: token, AccountID: "123456789012", Log: log}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, l) }()
	var once sync.Once
	stop = func() { once.Do(func() { end(t, cancel, done) }) }
	t.Cleanup(stop)
	return URL(l), stop
}

func end(t *testing.T, cancel func(), done chan error) {
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(time.Second):
		t.Errorf("Run did not end within 1 s of its context")
	}
}

func get(t *testing.T, url, auth string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

func TestProtocol(t *testing.T) {
	f := &fakeFetch{life: time.Hour}
	url, _ := start(t, f, io.Discard)

	status, body := get(t, url, token)
	if status != http.StatusOK {
		t.Fatalf("status %d %v", status, body)
	}
	for _, k := range []string{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"} {
		if body[k] == "" {
			t.Errorf("answer has no %s: %v", k, body)
		}
	}
	if _, err := time.Parse(time.RFC3339, body["Expiration"]); err != nil || strings.Contains(body["Expiration"], " ") {
		t.Errorf("Expiration %q is not RFC 3339: %v", body["Expiration"], err)
	}

	// Without the token: 401 or 403 and nothing else, whatever the path or method.
	for _, tc := range []struct{ path, auth string }{
		{Path, ""}, {Path, "Bearer " + token}, {Path, token[:len(token)-1]}, {Path, token + "x"},
		{"/", ""}, {"/other", "wrong"},
	} {
		u := strings.TrimSuffix(url, Path) + tc.path
		status, body := get(t, u, tc.auth)
		if status != http.StatusUnauthorized && status != http.StatusForbidden {
			t.Errorf("%s with Authorization %q: status %d", tc.path, tc.auth, status)
		}
		if body["AccessKeyId"] != "" || body["Token"] != "" {
			t.Errorf("%s with Authorization %q answered credentials", tc.path, tc.auth)
		}
	}
	// Go's http.Server answers "OPTIONS *" itself unless told not to: that too needs the token.
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), Path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 401 ") {
		t.Errorf("OPTIONS * without Authorization: %q %v, want 401", line, err)
	}
	if status, _ := get(t, strings.TrimSuffix(url, Path)+"/", token); status != http.StatusNotFound {
		t.Errorf("another path with the token: status %d, want 404", status)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls != 1 {
		t.Errorf("%d fetches, want 1: a fetch must be served from memory", f.calls)
	}
}

// Short-lived credentials are renewed in the background halfway through their life; a failed
// renewal is logged once, the old credentials serve until they expire, then the fetch answers
// an error naming the reason; a later success serves again.
func TestRenewsAheadAndReportsFailureOnce(t *testing.T) {
	f := &fakeFetch{life: 3 * time.Second}
	var log syncBuffer
	url, stop := start(t, f, &log)

	seen := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		status, body := get(t, url, token)
		if status != http.StatusOK {
			t.Fatalf("status %d %v", status, body)
		}
		exp, _ := time.Parse(time.RFC3339, body["Expiration"])
		if time.Until(exp) <= 0 {
			t.Fatalf("served expired credentials %v", body)
		}
		seen[body["AccessKeyId"]] = true
		time.Sleep(100 * time.Millisecond)
	}
	if len(seen) < 3 {
		t.Fatalf("saw %d credentials in 5 s of 3 s credentials, want >= 3 (renewed at half life)", len(seen))
	}

	f.set(errors.New("profile work needs a new MFA code for device D but there is no terminal"))
	deadline = time.Now().Add(8 * time.Second)
	var status int
	var body map[string]string
	for time.Now().Before(deadline) {
		if status, body = get(t, url, token); status != http.StatusOK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status != http.StatusServiceUnavailable || !strings.Contains(body["message"], "no terminal") {
		t.Fatalf("after failed renewals: status %d %v, want 503 naming the reason", status, body)
	}
	if n := strings.Count(log.String(), "no terminal"); n != 1 {
		t.Fatalf("reason logged %d times, want once:\n%s", n, log.String())
	}

	f.set(nil)
	deadline = time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		if status, _ = get(t, url, token); status == http.StatusOK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status != http.StatusOK || !strings.Contains(log.String(), "credentials renewed") {
		t.Fatalf("after recovery: status %d, log:\n%s", status, log.String())
	}
	stop()
	if _, err := http.Get(url); err == nil {
		t.Fatal("port still open after Run ended")
	}
	if strings.Contains(log.String(), "secret") || strings.Contains(log.String(), token) {
		t.Fatalf("log holds a secret:\n%s", log.String())
	}
}

// Credentials that could not be renewed but are still good, handed over with the reason: Start
// serves them and says why once; the renewer keeps retrying without saying it again.
func TestStartServesStaleCredentialsAndSaysWhyOnce(t *testing.T) {
	why := errors.New("profile work needs a new MFA code but there is no terminal")
	retried := make(chan struct{})
	var once sync.Once
	fetches := 0
	var mu sync.Mutex
	fetch := func(context.Context) (session.Outcome, error) {
		mu.Lock()
		defer mu.Unlock()
		if fetches++; fetches == 2 {
			once.Do(func() { close(retried) })
		}
		e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIAOLD"}, Expiration: time.Now().Add(time.Hour)}
		return session.Outcome{Entry: e, Stale: &session.Stale{Cause: why, Left: time.Hour}}, nil
	}
	var log syncBuffer
	s := &Server{Fetch: fetch, Token: token, Log: &log}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start refused still-good credentials: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, l) }()
	defer end(t, cancel, done)
	if status, body := get(t, URL(l), token); status != http.StatusOK || body["AccessKeyId"] != "ASIAOLD" {
		t.Fatalf("status %d %v", status, body)
	}
	// The renewer retries 5 s after the failure Start saw: wait for that retry itself (bounded
	// far above 5 s, for a loaded machine), not for a guess of its time.
	select {
	case <-retried:
	case <-time.After(time.Minute):
		t.Fatal("no retry within a minute of a failure due for one after 5 s")
	}
	if c := strings.Count(log.String(), "no terminal"); c != 1 {
		t.Fatalf("reason said %d times, want once:\n%s", c, log.String())
	}
}

func TestStartRefusesShortToken(t *testing.T) {
	s := &Server{Fetch: (&fakeFetch{life: time.Hour}).fetch, Token: "short"}
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("started with a 5-byte token")
	}
}

func TestNewTokenIsRandom(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("tokens %q and %q", a, b)
	}
}
