//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aws-vault's keyring library, linked into mfacred-core for import, asks for the session bus
// as the program starts; with none, its D-Bus package runs dbus-launch (a dbus-daemon left
// behind by every run, and a bus that is not the user's). internal/busguard stops it: here
// dbus-launch is a program that says it was run, and mfacred-core (run by mfacred and on its
// own, for a command and for import) must never run it.
func TestNoCommandStartsASessionBus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fake := t.TempDir()
	ran := filepath.Join(fake, "ran")
	if err := os.WriteFile(filepath.Join(fake, "dbus-launch"), []byte("#!/bin/sh\ntouch '"+ran+"'\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range w.env {
		switch {
		case strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS="), strings.HasPrefix(kv, "XDG_RUNTIME_DIR="):
		case strings.HasPrefix(kv, "PATH="):
			env = append(env, "PATH="+fake+":"+strings.TrimPrefix(kv, "PATH="))
		default:
			env = append(env, kv)
		}
	}
	core := filepath.Join(filepath.Dir(binary), "mfacred-core")
	for _, args := range [][]string{{binary, "status"}, {core, "status"}, {core, "version"}, {binary, "import", "aws-vault", "--backend", "file", "--yes"}} {
		// (DBUS_SESSION_BUS_ADDRESS=autolaunch: asks every D-Bus program to start a bus.)
		for _, bus := range []string{"", "DBUS_SESSION_BUS_ADDRESS="} {
			e := append([]string{}, env...)
			if bus != "" {
				e = append(e, bus)
			}
			r := w.run(nil, e, "env", append([]string{"-i"}, append(e, args...)...)...)
			if _, err := os.Stat(ran); err == nil {
				t.Fatalf("%q with %q ran dbus-launch: exit %d %s", args, bus, r.code, r.stderr)
			}
		}
	}
}

// A session bus that accepts and never answers: import, the one command that lets aws-vault's
// keyring library onto the bus, ends on its own bound with one line; every other command
// never waits on the library (TestHungKeyringFastPathGivesUpSoon holds process to its bounds).
func TestImportOnASilentBusEnds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env := []string{"DBUS_SESSION_BUS_ADDRESS=" + w.silentBus()}
	r := w.run(nil, env, binary, "import", "aws-vault", "--backend", "secret-service", "--yes")
	if r.code == 0 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "did not answer") || r.took > 30*time.Second {
		t.Fatalf("import on a silent bus: exit %d after %s: %q", r.code, r.took.Round(100*time.Millisecond), r.stderr)
	}
	r = w.run(nil, env, binary, "version")
	if r.code != 0 || r.took > 5*time.Second {
		t.Fatalf("version on a silent bus: exit %d after %s: %q", r.code, r.took.Round(100*time.Millisecond), r.stderr)
	}
}
