package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/zalando/go-keyring"

	"github.com/mfacred/mfacred/deadline"
)

// Keyring is the small part of an OS keyring the Store needs: OSKeyring, KernelKeyring,
// AutoKeyring; tests pass an in-memory one (internal/cachetest). Every call takes a context
// and returns once it is done, even if the keyring behind it does not answer. A missing item
// is ErrNotFound.
type Keyring interface {
	Get(ctx context.Context, service, user string) (string, error)
	Set(ctx context.Context, service, user, secret string) error
	Delete(ctx context.Context, service, user string) error
}

// The optional capabilities of a Keyring. The Store looks for each with a type assertion and
// does without it when a keyring lacks it.
type (
	// Named is a keyring that says which it is, in words, for status, doctor and errors.
	Named interface{ Name() string }

	// Limited is a keyring with an item size limit in bytes (0: none). The Store splits a
	// larger item into parts that fit.
	Limited interface{ MaxItem() int }

	// Expiring is a keyring that removes an item itself at a given time (zero: never), so an
	// expired session does not linger where nothing would delete it.
	Expiring interface {
		SetExpiring(ctx context.Context, service, user, secret string, expires time.Time) error
	}

	// SessionCache is a keyring that is only a cache, gone at reboot (the kernel keyring):
	// it holds sessions, never long-term keys or seeds. SessionsOnly may have to ask the
	// keyring (AutoKeyring decides on its first call), hence the context.
	SessionCache interface {
		SessionsOnly(ctx context.Context) bool
	}
)

// OSKeyring stores items in the OS keyring through go-keyring: the Secret Service on Linux,
// the login keychain on macOS, the Credential Manager on Windows.
type OSKeyring struct {
	// Timeout bounds every call: a Secret Service waiting on D-Bus activation can hang.
	Timeout time.Duration
}

// Name says which keyring this is.
func (OSKeyring) Name() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	return "Secret Service (D-Bus session bus)"
}

// ErrNoKeyring is returned when the OS keyring cannot be reached.
var ErrNoKeyring = errors.New("OS keyring unreachable")

// ErrNoAnswer marks a call the keyring did not answer in time (or before Ctrl-C): it may still
// be carried out after the caller gave up, so a write that failed so may have happened
// (`mfacred rotate` reads the item back). Any other error of a write means it did not happen.
var ErrNoAnswer = errors.New("no answer")

// ErrFull is returned when the keyring has no room for an item (the kernel keyring's per-user
// quota) and the Store could make none. The error says which limit was hit and how to raise it.
var ErrFull = errors.New("no room in the keyring")

// ErrNoSecretService is returned when the session bus has no Secret Service on it.
var ErrNoSecretService = fmt.Errorf("%w: no Secret Service on the D-Bus session bus (install gnome-keyring or KeePassXC's), so MFACRED_KEYRING=kernel", ErrNoKeyring)

func (k OSKeyring) check() error {
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
func (k OSKeyring) call(ctx context.Context, f func(ctx context.Context) (string, error)) (string, error) {
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
		if errors.Is(err, keyring.ErrNotFound) || errors.Is(err, ErrNotFound) {
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
func (k OSKeyring) Get(ctx context.Context, service, user string) (string, error) {
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
func (k OSKeyring) Set(ctx context.Context, service, user, secret string) error {
	_, err := k.call(ctx, func(ctx context.Context) (string, error) { return "", osSet(ctx, service, user, secret) })
	return err
}

// Delete removes one item; a missing item is ErrNotFound.
func (k OSKeyring) Delete(ctx context.Context, service, user string) error {
	_, err := k.call(ctx, func(ctx context.Context) (string, error) { return "", osDelete(ctx, service, user) })
	return err
}

// MaxItem is the largest item go-keyring stores on this OS: Windows caps a credential at 2560
// bytes; macOS passes items to `security` in a command of at most 4096 bytes with the names.
// 0: no limit (the Secret Service).
func (OSKeyring) MaxItem() int {
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

// KeyringEnv names the environment variable that picks the keyring: os, kernel, or unset for
// the OS keyring where there is one and the kernel keyring on Linux without a session bus.
const KeyringEnv = "MFACRED_KEYRING"

// OpenKeyring returns the keyring choice names ("" for automatic); from names where the
// choice came from (KeyringEnv, or a flag), for the errors.
func OpenKeyring(choice, from string) (Keyring, error) {
	switch choice {
	case "os":
		return OSKeyring{}, nil
	case "kernel":
		if runtime.GOOS != "linux" {
			return nil, fmt.Errorf("%s=kernel: the kernel keyring exists on Linux only", from)
		}
		return KernelKeyring{}, nil
	case "":
		if runtime.GOOS != "linux" {
			return OSKeyring{}, nil
		}
		if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr == "" || !busReachable(addr) {
			return KernelKeyring{}, nil
		}
		return &AutoKeyring{}, nil
	}
	return nil, fmt.Errorf("%s=%s: want os or kernel", from, shown(choice))
}

// shown is a value as an error line shows it: as typed when it is a plain word, else quoted,
// so that a blank or a line break in it is seen and the error stays one line.
func shown(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r == '"' || r == '\\' || !unicode.IsPrint(r) }) < 0 {
		return v
	}
	return strconv.Quote(v)
}

// AutoKeyring is the Secret Service until a call finds none on the session bus (a headless
// server with a systemd user bus, say); from then on, in this process, the kernel keyring.
// The first call decides, so a cached call still makes one keyring read.
type AutoKeyring struct {
	mu      sync.Mutex
	decided bool
	kernel  bool
}

func (a *AutoKeyring) useKernel() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.kernel
}

// settle records what a call of the OS keyring showed, and whether to go on with the kernel.
func (a *AutoKeyring) settle(err error) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if errors.Is(err, ErrNoSecretService) {
		a.kernel = true
	}
	a.decided = a.decided || err == nil || a.kernel
	return a.kernel
}

func (a *AutoKeyring) decide(ctx context.Context) {
	a.mu.Lock()
	decided := a.decided
	a.mu.Unlock()
	if !decided {
		_, err := OSKeyring{}.Get(ctx, Service, string(indexKey))
		a.settle(err)
	}
}

// Get reads one item.
func (a *AutoKeyring) Get(ctx context.Context, service, user string) (string, error) {
	if !a.useKernel() {
		v, err := OSKeyring{}.Get(ctx, service, user)
		if !a.settle(err) {
			return v, err
		}
	}
	return KernelKeyring{}.Get(ctx, service, user)
}

// Set writes one item.
func (a *AutoKeyring) Set(ctx context.Context, service, user, secret string) error {
	return a.SetExpiring(ctx, service, user, secret, time.Time{})
}

// SetExpiring writes one item; only the kernel keyring makes it expire.
func (a *AutoKeyring) SetExpiring(ctx context.Context, service, user, secret string, expires time.Time) error {
	if !a.useKernel() {
		err := OSKeyring{}.Set(ctx, service, user, secret)
		if !a.settle(err) {
			return err
		}
	}
	return KernelKeyring{}.SetExpiring(ctx, service, user, secret, expires)
}

// Delete removes one item.
func (a *AutoKeyring) Delete(ctx context.Context, service, user string) error {
	if !a.useKernel() {
		err := OSKeyring{}.Delete(ctx, service, user)
		if !a.settle(err) {
			return err
		}
	}
	return KernelKeyring{}.Delete(ctx, service, user)
}

// SessionsOnly reports whether the kernel keyring is in use (deciding first).
func (a *AutoKeyring) SessionsOnly(ctx context.Context) bool {
	a.decide(ctx)
	return a.useKernel()
}

// Name says which keyring is in use, as far as the calls so far have shown.
func (a *AutoKeyring) Name() string {
	if a.useKernel() {
		return KernelKeyring{}.Name() + ", as the session bus has no Secret Service"
	}
	return OSKeyring{}.Name()
}

// MaxItem is the item limit of the keyring in use, as far as the calls so far have shown.
func (a *AutoKeyring) MaxItem() int {
	if a.useKernel() {
		return KernelKeyring{}.MaxItem()
	}
	return OSKeyring{}.MaxItem()
}

// KeyringName says which keyring k is.
func KeyringName(k Keyring) string {
	if n, ok := k.(Named); ok {
		return n.Name()
	}
	return "keyring"
}
