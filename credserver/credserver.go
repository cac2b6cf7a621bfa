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
//  3. a renewer in the background fetches new credentials when hit.Server says (RenewNext:
//     ServerLead before the SDKs' window, or halfway through a short life), with the same
//     session.Provider, cache and locks as `mfacred process`, so a code the MFA session needs
//     is asked for (or generated) while the old credentials still serve;
//  4. when renewing fails and the credentials have expired, a fetch answers 503 with a JSON
//     error the SDKs report, and the reason is written to the log once per run of failures.
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
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/session"
)

// Path is where the credentials are served.
const Path = "/credentials"

// FetchTimeout bounds one renewal, a code prompt included, like one `mfacred process` call.
const FetchTimeout = deadline.Process

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
	// session.Provider called with policy hit.Server, so it renews exactly when hit.Server.RenewAt says. Stale
	// credentials (still good, but they could not be renewed) are served by Start, and a
	// renewal that gets them counts as failed; credentials that could not be cached are
	// served, and that is said once.
	Fetch func(ctx context.Context) (session.Outcome, error)
	// Renew is what the renewer in the background fetches with: in mfacred the same
	// provider, with a code source that reads the terminal only where it may
	// (RenewalCodes). nil: Fetch.
	Renew func(ctx context.Context) (session.Outcome, error)
	// Token is the Authorization header a client must send.
	Token string
	// AccountID is sent as AccountId when not empty.
	AccountID string
	// Log receives why renewals fail, once per run of failures, and that they work again.
	// Never a secret.
	Log io.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Valid, when set, says whether credentials in hand may still be handed out whatever
	// their expiry: for a profile on an `aws login` session, whether the token file still
	// holds the sign-in they came from (hit.StillSignedIn). When it says no, a fetch is
	// answered 503 and the renewer fetches at once.
	Valid func(cache.Entry) bool

	mu      sync.Mutex
	cur     cache.Entry
	lastErr error
	failing bool   // a run of failed renewals is under way, and was said
	warned  bool   // that credentials could not be cached was said
	wake    func() // ends the renewer's current wait
}

// now is the injected clock's time, else the wall clock's.
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
	out, err := s.Fetch(ctx)
	if err != nil {
		return err
	}
	if out.Stale != nil && !hit.Handout.Lives(out.Expiration, s.now()) {
		return out.Stale.Cause
	}
	s.mu.Lock()
	s.cur = out.Entry
	s.mu.Unlock()
	s.notCached(out)
	if out.Stale != nil {
		s.failed(out.Stale.Cause)
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

// renew renews the credentials at hit.Server.RenewNext until ctx ends, retrying failures.
func (s *Server) renew(ctx context.Context) {
	s.mu.Lock()
	got := s.now()
	exp := s.cur.Expiration
	failures := 0
	if s.lastErr != nil {
		failures = 1
	}
	s.mu.Unlock()
	fetch := s.Renew
	if fetch == nil {
		fetch = s.Fetch
	}
	for {
		wait := hit.Server.RenewNext(got, exp, s.now()).Sub(s.now())
		if failures > 0 {
			wait = retryAfter(failures)
		}
		// A floor, so that a clock jump or an entry renewed by someone else with little left
		// never makes a tight loop. A fetch that found the credentials invalid ends the wait.
		wctx, wake := context.WithCancel(ctx)
		s.mu.Lock()
		s.wake = wake
		s.mu.Unlock()
		start := time.Now()
		deadline.Sleep(wctx, max(wait, time.Second))
		wake()
		if deadline.Sleep(ctx, time.Second-time.Since(start)) != nil {
			return
		}
		fctx, cancel := context.WithTimeout(ctx, FetchTimeout)
		out, err := fetch(fctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && out.Stale != nil:
			err = out.Stale.Cause
		}
		if err != nil {
			failures++
			s.failed(err)
			continue
		}
		failures = 0
		got, exp = s.now(), out.Expiration
		s.renewed(out)
	}
}

// renewed serves out from now on, and says so if renewals had been failing.
func (s *Server) renewed(out session.Outcome) {
	s.mu.Lock()
	s.cur, s.lastErr = out.Entry, nil
	recovered := s.failing
	s.failing = false
	s.mu.Unlock()
	s.notCached(out)
	if recovered {
		s.logf("credentials renewed; serving again until %s", out.Expiration.UTC().Format(time.RFC3339))
	}
}

// notCached says, the first time only, that credentials could not be cached.
func (s *Server) notCached(out session.Outcome) {
	s.mu.Lock()
	say := out.NotCached != nil && !s.warned
	s.warned = s.warned || say
	s.mu.Unlock()
	if say {
		s.logf("%v", out.NotCached)
	}
}

// failed records a failed renewal, and says why when it starts a run of failures: the
// retries of one run are not said again, whatever their text (a time left in it changes
// with each), and a success ends the run (renewed).
func (s *Server) failed(err error) {
	s.mu.Lock()
	s.lastErr = err
	left := s.cur.Expiration.Sub(s.now())
	serving := hit.Handout.Lives(s.cur.Expiration, s.now())
	first := !s.failing
	s.failing = true
	s.mu.Unlock()
	if !first {
		return
	}
	if serving {
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
	e, lastErr, wake := s.cur, s.lastErr, s.wake
	s.mu.Unlock()
	if s.Valid != nil && !s.Valid(e) {
		if wake != nil {
			wake()
		}
		msg := "the aws login session these credentials came from has ended or changed (aws logout, or a new aws login): renewing"
		if lastErr != nil {
			msg += "; the last renewal failed: " + lastErr.Error()
		}
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{"CredentialsUnavailable", msg})
		return
	}
	if !hit.Handout.Lives(e.Expiration, s.now()) {
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
