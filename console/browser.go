package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"sync/atomic"
	"time"
)

// HandoffTimeout bounds the wait for the browser to fetch the local link: long enough for a
// browser that must start first, well inside the sign-in token's 15 minutes.
const HandoffTimeout = 2 * time.Minute

// Opener starts a program that opens link in the browser. exited reports how that program
// ended (a browser opener may also stay running, as the browser itself).
type Opener func(link string) (exited <-chan error, err error)

// Program is an Opener that runs name with args and then the link, directly, never through
// a shell, with out as its stdout and stderr. The program is looked up on PATH when it runs.
func Program(out io.Writer, name string, args ...string) Opener {
	return func(link string) (<-chan error, error) {
		path, err := exec.LookPath(name)
		if err != nil {
			return nil, fmt.Errorf("find the browser opener: %w", err)
		}
		cmd := exec.Command(path, append(append([]string{}, args...), link)...)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start the browser opener %s: %w", name, err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		return exited, nil
	}
}

// SystemOpener opens a URL in the default browser on goos: open on macOS, the URL protocol
// handler of url.dll on Windows (what `start` uses, without cmd.exe's parsing), xdg-open
// elsewhere.
func SystemOpener(goos string, out io.Writer) Opener {
	switch goos {
	case "darwin":
		return Program(out, "open")
	case "windows":
		return Program(out, "rundll32", "url.dll,FileProtocolHandler")
	}
	return Program(out, "xdg-open")
}

// UsedGrace is how long the local link keeps answering "used" after the browser fetched it,
// before Handoff returns and the server goes: a browser that fetches twice, or another
// program racing it, gets that page and not a refused connection. Ctrl-C ends it at once.
const UsedGrace = 3 * time.Second

// ErrNotFetched is returned when no browser fetched the local link in time.
var ErrNotFetched = errors.New("no browser fetched the sign-in link")

// Handoff gives signinURL to the browser without putting it in any program's argv, where
// other processes could read it (and where a browser that open starts would keep it for its
// whole life): it serves signinURL once, as a redirect from a random path on 127.0.0.1, and
// has open start the browser on that local link, which is worthless once fetched and then
// answers "used" for UsedGrace. It returns nil when the browser fetched the link; an error
// when open failed, when its program exited with an error before the fetch, after timeout, or
// when ctx ends before the fetch.
func Handoff(ctx context.Context, signinURL string, open Opener, timeout time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on the loopback interface for the browser: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		ln.Close()
		return err
	}
	path := "/" + base64.RawURLEncoding.EncodeToString(b)
	fetched := make(chan struct{})
	var served atomic.Bool
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path || r.Method != http.MethodGet {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			if !served.CompareAndSwap(false, true) {
				http.Error(w, "This sign-in link was used already. If you did not open it twice, another program on this machine may have: run `mfacred login` again.", http.StatusGone)
				return
			}
			http.Redirect(w, r, signinURL, http.StatusSeeOther)
			close(fetched)
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Let the redirect reach the browser before the server goes.
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	exited, err := open("http://" + ln.Addr().String() + path)
	if err != nil {
		return err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case <-fetched:
			grace := time.NewTimer(UsedGrace)
			defer grace.Stop()
			select {
			case <-grace.C:
			case <-ctx.Done():
			}
			return nil
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("the browser opener failed: %w", err)
			}
			exited = nil // it handed the link on: wait for the browser
		case <-timer.C:
			return fmt.Errorf("%w within %s", ErrNotFetched, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
