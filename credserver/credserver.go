// Package credserver serves a profile's credentials to the AWS SDKs and the AWS CLI over the
// container credentials protocol, and keeps them renewed ahead of need, so that a command or a
// container can run for longer than one set of credentials lives.
//
// A client is pointed at the server with AWS_CONTAINER_CREDENTIALS_FULL_URI and sends the
// token of AWS_CONTAINER_AUTHORIZATION_TOKEN (or of the file named by
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) as its Authorization header. The server answers
//
//	{"AccessKeyId":"…","SecretAccessKey":"…","Token":"…","Expiration":"2030-01-01T00:00:00Z","AccountId":"…"}
//
// and refuses any request without that exact header (401 without one, 403 with another)
// before it looks at anything else.
//
// The flow:
//
//  1. New gets the first credentials in the foreground (the only time a caller waits for a
//     code);
//  2. Run serves them from memory: a fetch never calls STS, never waits for a lock and never
//     asks for a code, so it answers in well under botocore's 2 s per try;
//  3. a renewer in the background fetches new credentials at RenewAt, with the same
//     session.Provider, cache and locks as `mfacred process`, so a code the MFA session needs
//     is asked for (or generated) while the old credentials still serve;
//  4. when renewing fails and the credentials have expired, a fetch answers 503 with a JSON
//     error the SDKs report, and the reason is written to the log once.
//
// See README.md, "Long runs and containers".
package credserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
)

// Path is where the credentials are served.
const Path = "/credentials"

// Lead is how much earlier than the SDKs' 15-minute refresh window (cache.RenewBefore) long-lived
// credentials are renewed: time to ask a person for a code, or to retry, while the old
// credentials still serve every client without a refresh.
const Lead = 5 * time.Minute

// window is how long before expiry long-lived credentials are renewed.
const window = cache.RenewBefore + Lead

// FetchTimeout bounds one renewal, a code prompt included, like one `mfacred process` call.
const FetchTimeout = deadline.Process

// minLeft is the least lifetime the server hands out: credentials that expire within one
// call are worth nothing to a client.
const minLeft = time.Second

// RenewAt is when credentials obtained at got and expiring at exp are renewed: window before
// expiry when they live longer than twice that, so clients never see them enter the SDKs'
// refresh window; else halfway through their life, so that every client is handed credentials
// with at least half their lifetime left and a failed renewal has the other half to recover.
func RenewAt(got, exp time.Time) time.Time {
	life := exp.Sub(got)
	if life > 2*window {
		return exp.Add(-window)
	}
	return got.Add(life / 2)
}

// renewAt is when the renewer, which has held credentials expiring at exp since got, renews
// them next (now is the clock). got is when the server got them, not when STS issued them:
// credentials from the cache may be half used. So whenever window before expiry is still
// ahead, they are renewed then at the latest, before they enter the SDKs' refresh window.
func renewAt(got, exp, now time.Time) time.Time {
	at := RenewAt(got, exp)
	if w := exp.Add(-window); w.After(now) && w.Before(at) {
		return w
	}
	return at
}

// retryAfter is the wait before renewal attempt n (1, 2, ...) after failures: 5 s doubling up
// to 2 minutes, so that a prompt or a dialog is not reopened in a tight loop.
func retryAfter(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < 2*time.Minute; i++ {
		d *= 2
	}
	return min(d, 2*time.Minute)
}

// NewToken returns a fresh random Authorization token (256 bits, URL-safe base64).
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Server serves and renews one profile's credentials.
type Server struct {
	// Fetch returns the profile's credentials, renewing them when they are due: in mfacred a
	// session.Provider with Ahead = Lead, so it renews exactly when RenewAt says. It may return
	// credentials that are still good together with an error saying why they could not be
	// renewed: Start serves those, a renewal counts as failed.
	Fetch func(ctx context.Context) (cache.Entry, error)
	// Token is the Authorization header a client must send.
	Token string
	// AccountID is sent as AccountId when not empty.
	AccountID string
	// Log receives the reasons renewals fail, once per distinct reason. Never a secret.
	Log io.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex
	cur     cache.Entry
	lastErr error
	logged  string
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Start gets the first credentials, within FetchTimeout.
func (s *Server) Start(ctx context.Context) error {
	if len(s.Token) < 16 {
		return errors.New("start credentials server: token too short")
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	e, err := s.Fetch(ctx)
	if err != nil && e.Expiration.Sub(s.now()) <= minLeft {
		return err
	}
	s.mu.Lock()
	s.cur = e
	s.mu.Unlock()
	if err != nil {
		s.failed(err)
	}
	return nil
}

// Run serves on l and renews in the background until ctx ends, then closes l within a second.
// Start must have succeeded.
func (s *Server) Run(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler: s,
		// Else the server answers "OPTIONS *" itself, 200 without any Authorization header.
		DisableGeneralOptionsHandler: true,
		ReadHeaderTimeout:            5 * time.Second,
		ReadTimeout:                  10 * time.Second,
		WriteTimeout:                 10 * time.Second,
		ErrorLog:                     nil,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.renew(ctx)
	}()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve credentials: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	// The renewer ends with ctx; one blocked in a keyring call is not waited for past the
	// deadline (a lock it holds is released when the process exits).
	select {
	case <-done:
	case <-sctx.Done():
	}
	return nil
}

// renew renews the credentials at RenewAt until ctx ends, retrying failures.
func (s *Server) renew(ctx context.Context) {
	s.mu.Lock()
	got := s.now()
	exp := s.cur.Expiration
	failures := 0
	if s.lastErr != nil {
		failures = 1
	}
	s.mu.Unlock()
	for {
		wait := renewAt(got, exp, s.now()).Sub(s.now())
		if failures > 0 {
			wait = retryAfter(failures)
		}
		// A floor, so that a clock jump or an entry renewed by someone else with little left
		// never makes a tight loop.
		if err := sleep(ctx, max(wait, time.Second)); err != nil {
			return
		}
		fctx, cancel := context.WithTimeout(ctx, FetchTimeout)
		e, err := s.Fetch(fctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
			s.failed(err)
			continue
		}
		failures = 0
		got, exp = s.now(), e.Expiration
		s.mu.Lock()
		s.cur, s.lastErr = e, nil
		if s.logged != "" {
			s.logged = ""
			s.mu.Unlock()
			s.logf("credentials renewed; serving again until %s", e.Expiration.UTC().Format(time.RFC3339))
			continue
		}
		s.mu.Unlock()
	}
}

// failed records a failed renewal and logs its reason unless the same was logged last.
func (s *Server) failed(err error) {
	s.mu.Lock()
	s.lastErr = err
	left := s.cur.Expiration.Sub(s.now())
	msg := err.Error()
	repeat := msg == s.logged
	s.logged = msg
	s.mu.Unlock()
	if repeat {
		return
	}
	if left > minLeft {
		s.logf("renew credentials: %v (the current ones serve for %s more; retrying)", err, left.Round(time.Second))
		return
	}
	s.logf("renew credentials: %v (retrying)", err)
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, "mfacred: "+format+"\n", args...)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// response is the container credentials answer.
type response struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// errorResponse is the error shape aws-sdk-go-v2's endpointcreds reads; botocore and the JS SDK
// show the body as it is.
type errorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ServeHTTP implements the container credentials protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	got := r.Header.Get("Authorization")
	switch {
	case got == "":
		writeJSON(w, http.StatusUnauthorized, errorResponse{"Unauthorized", "no Authorization header"})
		return
	case subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1:
		writeJSON(w, http.StatusForbidden, errorResponse{"Forbidden", "wrong authorization token"})
		return
	case r.URL.Path != Path:
		writeJSON(w, http.StatusNotFound, errorResponse{"NotFound", "credentials are served at " + Path})
		return
	case r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, errorResponse{"MethodNotAllowed", "use GET"})
		return
	}
	s.mu.Lock()
	e, lastErr := s.cur, s.lastErr
	s.mu.Unlock()
	if e.Expiration.Sub(s.now()) <= minLeft {
		msg := "mfacred could not renew the credentials"
		if lastErr != nil {
			msg += ": " + lastErr.Error()
		}
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{"CredentialsUnavailable", msg})
		return
	}
	writeJSON(w, http.StatusOK, response{
		AccessKeyID:     e.AccessKeyID,
		SecretAccessKey: e.SecretAccessKey,
		Token:           e.SessionToken,
		Expiration:      e.Expiration.UTC().Format(time.RFC3339),
		AccountID:       s.AccountID,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// IsLoopback reports whether a listen address (host:port) stays on this machine.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL is the AWS_CONTAINER_CREDENTIALS_FULL_URI of a server listening on l.
func URL(l net.Listener) string {
	return "http://" + l.Addr().String() + Path
}

// ClientURL is the AWS_CONTAINER_CREDENTIALS_FULL_URI to hand to clients of a server that
// listens on l, asked for with --listen listen: a wildcard host (0.0.0.0, ::, none) is no
// address a client can use, so it becomes the loopback address of its family; any other host
// is given as it was asked for.
func ClientURL(listen string, l net.Listener) string {
	host, _, err := net.SplitHostPort(listen)
	_, port, perr := net.SplitHostPort(l.Addr().String())
	if err != nil || perr != nil {
		return URL(l)
	}
	switch ip := net.ParseIP(host); {
	case host == "" || ip != nil && ip.Equal(net.IPv4zero):
		host = "127.0.0.1"
	case ip != nil && ip.Equal(net.IPv6unspecified):
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + Path
}
