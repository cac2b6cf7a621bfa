// Package keyring keeps items in the keyrings of the OS: the Secret Service on Linux (through
// zalando/go-keyring and D-Bus), the Linux kernel keyring (keyutils), the macOS keychain (its
// security command) and the Windows Credential Manager (go-keyring). Each is a Keyring: get,
// set, delete an item, named by a service and a user; the optional capabilities say what else
// one can do (list its items, expire one, its item size limit). Open makes the choice of
// keyring (MFACRED_KEYRING, --keyring); the errors say why a keyring cannot be used, in words
// a user can act on.
//
// What mfacred keeps in them, under which names, is package cache's (cache.Store): this
// package knows nothing of sessions, keys or seeds.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrNotFound is returned for an item the keyring does not have.
var ErrNotFound = errors.New("not found in keyring")

// Keyring is the small part of an OS keyring the Store (cache.Store) needs: OS, Kernel, Auto;
// tests pass an in-memory one (internal/cachetest). Every call takes a context and returns
// once it is done, even if the keyring behind it does not answer. A missing item is
// ErrNotFound.
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
	// keyring (Auto decides on its first call), hence the context.
	SessionCache interface {
		SessionsOnly(ctx context.Context) bool
	}
)

// ErrNoKeyring is returned when the OS keyring cannot be reached.
var ErrNoKeyring = errors.New("OS keyring unreachable")

// ErrNoAnswer marks a call the keyring did not answer in time (or before Ctrl-C): it may still
// be carried out after the caller gave up, so a write that failed so may have happened
// (`mfacred rotate` reads the item back). Any other error of a write means it did not happen.
var ErrNoAnswer = errors.New("no answer")

// ErrFull is returned when the keyring has no room for an item (the kernel keyring's per-user
// quota) and the Store (cache.Store) could make none. The error says which limit was hit and
// how to raise it.
var ErrFull = errors.New("no room in the keyring")

// ErrNoSecretService is returned when the session bus has no Secret Service on it.
var ErrNoSecretService = fmt.Errorf("%w: no Secret Service on the D-Bus session bus (install gnome-keyring or KeePassXC's), so MFACRED_KEYRING=kernel", ErrNoKeyring)

// Lister is a keyring that can name every item of a service: the Store then needs no record
// of its own (cache/record.go).
type Lister interface {
	List(ctx context.Context, service string) ([]string, error)
}

// Env names the environment variable that picks the keyring: os, kernel, or unset for the OS
// keyring where there is one and the kernel keyring on Linux without a session bus.
const Env = "MFACRED_KEYRING"

// Open returns the keyring choice names ("" for automatic); from names where the choice came
// from (Env, or a flag), for the errors.
func Open(choice, from string) (Keyring, error) {
	switch choice {
	case "os":
		return OS{}, nil
	case "kernel":
		if runtime.GOOS != "linux" {
			return nil, fmt.Errorf("%s=kernel: the kernel keyring exists on Linux only", from)
		}
		return Kernel{}, nil
	case "":
		if runtime.GOOS != "linux" {
			return OS{}, nil
		}
		if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr == "" || !busReachable(addr) {
			return Kernel{}, nil
		}
		return &Auto{}, nil
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

// Name says which keyring k is.
func Name(k Keyring) string {
	if n, ok := k.(Named); ok {
		return n.Name()
	}
	return "keyring"
}
