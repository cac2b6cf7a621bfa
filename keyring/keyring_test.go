package keyring

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

var ctx = context.Background()

// service is the service name of mfacred's items (cache.Service), for the tests here.
const service = "mfacred"

func TestOpen(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	k, err := Open("", Env)
	if err != nil {
		t.Fatal(err)
	}
	if _, kernel := k.(Kernel); kernel != (runtime.GOOS == "linux") {
		t.Fatalf("no session bus: got %s", Name(k))
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:abstract=/tmp/dbus-x,guid=1")
	if k, _ := Open("", Env); Name(k) != (OS{}).Name() {
		t.Fatalf("with a session bus: got %s", Name(k))
	}
	if runtime.GOOS == "linux" {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus,guid=1")
		if _, kernel := mustOpen(t, "").(Kernel); !kernel {
			t.Fatal("a stale bus address: not the kernel keyring")
		}
		if err := (OS{}).Set(ctx, service, "x", "y"); !errors.Is(err, ErrNoKeyring) || !strings.Contains(err.Error(), "is gone") {
			t.Fatalf("OS keyring on a stale bus: %v", err)
		}
	}
	if k, _ := Open("os", Env); Name(k) != (OS{}).Name() {
		t.Fatal("os")
	}
	if _, err := Open("file", Env); err == nil || err.Error() != "MFACRED_KEYRING=file: want os or kernel" {
		t.Fatalf("bad choice: %v", err)
	}
	if _, err := Open("file", "--keyring"); err == nil || err.Error() != "--keyring=file: want os or kernel" {
		t.Fatalf("bad choice by flag: %v", err)
	}
}

func mustOpen(t *testing.T, choice string) Keyring {
	t.Helper()
	k, err := Open(choice, Env)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A keyring choice that is not a plain word is quoted in its error, which stays one line.
func TestOpenShowsOddValues(t *testing.T) {
	for choice, want := range map[string]string{
		"OS":        "MFACRED_KEYRING=OS: want os or kernel",
		" ":         `MFACRED_KEYRING=" ": want os or kernel`,
		"os\n":      `MFACRED_KEYRING="os\n": want os or kernel`,
		"os ":       `MFACRED_KEYRING="os ": want os or kernel`,
		`"os"`:      `MFACRED_KEYRING="\"os\"": want os or kernel`,
		"os\x1b[2J": `MFACRED_KEYRING="os\x1b[2J": want os or kernel`,
		"ös":        "MFACRED_KEYRING=ös: want os or kernel",
	} {
		if _, err := Open(choice, Env); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", choice, err, want)
		}
	}
}

// A keyring that does not answer costs at most its timeout, and a cancel ends the wait.
func TestHungKeyringCallIsBounded(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:abstract=/tmp/none")
	hang := make(chan struct{})
	defer close(hang)
	k := OS{Timeout: 50 * time.Millisecond}
	if _, err := k.call(ctx, func(context.Context) (string, error) { <-hang; return "", nil }); !errors.Is(err, ErrNoKeyring) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("hung call: %v", err)
	}
	c, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	k.Timeout = time.Hour
	if _, err := k.call(c, func(context.Context) (string, error) { <-hang; return "", nil }); !errors.Is(err, ErrNoKeyring) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
}
