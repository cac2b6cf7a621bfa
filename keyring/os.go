package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/mfacred/mfacred/deadline"
)

// OS stores items in the OS keyring through go-keyring: the Secret Service on Linux,
// the login keychain on macOS, the Credential Manager on Windows.
type OS struct {
	// Timeout bounds every call: a Secret Service waiting on D-Bus activation can hang.
	Timeout time.Duration
}

// Name says which keyring this is.
func (OS) Name() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	return "Secret Service (D-Bus session bus)"
}
func (k OS) check() error {
	// godbus autolaunches dbus-launch when no session bus is set, leaving daemons behind and
	// then failing to unlock (docs/aws-contract.md §5): refuse before the library gets the chance.
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return nil
	}
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		return fmt.Errorf("%w: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset), so no Secret Service; MFACRED_KEYRING=kernel caches sessions in the kernel keyring instead", ErrNoKeyring)
	}
	if !busReachable(addr) {
		return fmt.Errorf("%w: the D-Bus session bus %s is gone (a stale DBUS_SESSION_BUS_ADDRESS?), so no Secret Service; MFACRED_KEYRING=kernel caches sessions in the kernel keyring instead", ErrNoKeyring, addr)
	}
	return nil
}

// busReachable reports whether a D-Bus address can be connected to, as far as a stat tells:
// a unix:path= socket must exist (a stale address from another login points nowhere); other
// transports (abstract sockets, tcp) are assumed to be there.
func busReachable(addr string) bool {
	for _, entry := range strings.Split(addr, ";") {
		transport, params, _ := strings.Cut(entry, ":")
		if transport != "unix" {
			return true
		}
		path := ""
		for _, kv := range strings.Split(params, ",") {
			if k, v, _ := strings.Cut(kv, "="); k == "path" {
				path = v
			}
		}
		if path == "" {
			return true
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return true
		}
	}
	return false
}

// call runs f, a call of the OS keyring's backend, for at most k.Timeout and not past ctx.
// go-keyring's calls cannot be cancelled: on a timeout f is left to finish in the background
// (the process exits soon after), but the caller is answered at once. The macOS backend
// ends its child process when the context it is given ends.
func (k OS) call(ctx context.Context, f func(ctx context.Context) (string, error)) (string, error) {
	if err := k.check(); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoKeyring, err)
	}
	t := k.Timeout
	if t == 0 {
		t = deadline.Keyring
	}
	ctx, cancel := context.WithTimeoutCause(ctx, t, fmt.Errorf("%w within %s", ErrNoAnswer, t))
	defer cancel()
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		err := r.err
		if errors.Is(err, gokeyring.ErrNotFound) || errors.Is(err, ErrNotFound) {
			return "", ErrNotFound
		}
		if noSecretService(err) {
			return "", ErrNoSecretService
		}
		if keyringLocked(err) {
			return "", fmt.Errorf("%w: the keyring is locked and cannot be unlocked without a desktop (%v): unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock` with its password on stdin), or set MFACRED_KEYRING=kernel", ErrNoKeyring, err)
		}
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoKeyring, err)
		}
		return r.v, nil
	case <-ctx.Done():
		cause := context.Cause(ctx)
		if !errors.Is(cause, ErrNoAnswer) { // ended from outside (Ctrl-C)
			cause = fmt.Errorf("%w: %w", ErrNoAnswer, cause)
		}
		return "", fmt.Errorf("%w: %w", ErrNoKeyring, cause)
	}
}

// Get reads one item.
func (k OS) Get(ctx context.Context, service, user string) (string, error) {
	return k.call(ctx, func(ctx context.Context) (string, error) {
		v, err := osGet(ctx, service, user)
		if itemGone(err) {
			// Found by go-keyring's search, then deleted by another process before its secret
			// was read (status reading every item while a parallel clear or eviction runs):
			// it is not there.
			return "", ErrNotFound
		}
		return v, err
	})
}

// Set writes one item.
func (k OS) Set(ctx context.Context, service, user, secret string) error {
	_, err := k.call(ctx, func(ctx context.Context) (string, error) { return "", osSet(ctx, service, user, secret) })
	return err
}

// Delete removes one item; a missing item is ErrNotFound.
func (k OS) Delete(ctx context.Context, service, user string) error {
	_, err := k.call(ctx, func(ctx context.Context) (string, error) { return "", osDelete(ctx, service, user) })
	return err
}

// MaxItem is the largest item go-keyring stores on this OS: Windows caps a credential at 2560
// bytes; macOS passes items to `security` in a command of at most 4096 bytes with the names.
// 0: no limit (the Secret Service).
func (OS) MaxItem() int {
	switch runtime.GOOS {
	case "windows":
		return maxItemWindows
	case "darwin":
		return maxItemDarwin
	}
	return 0
}

// The item limits of the Credential Manager, and of the keychain as driven by keychain.go
// (2,000 bytes of value, base64 in a line of at most 4,096 bytes with the names).
const (
	maxItemWindows = 2560
	maxItemDarwin  = 2000
)
