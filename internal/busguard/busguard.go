// Package busguard keeps aws-vault's keyring library (github.com/99designs/keyring, linked
// into mfacred-core for `mfacred import aws-vault`) off the D-Bus session bus but for import.
// The library connects to the session bus in its package initialisation, in every run of the
// program, whatever the command, with no bound: a bus that accepts and never answers holds
// the program before main; where DBUS_SESSION_BUS_ADDRESS is unset (or empty, or
// "autolaunch:") and no bus is at $XDG_RUNTIME_DIR/bus, its D-Bus package runs dbus-launch
// and sets the variable to that new bus, leaving a dbus-daemon behind and pointing mfacred at
// a bus that is not the user's; where a bus is only at $XDG_RUNTIME_DIR/bus, it sets the
// variable to it, which changes mfacred's own choice of keyring (README, "Where it works").
//
// This package's init runs before the library's (Go initialises packages in import-path
// order among those whose imports are done; the library waits for github.com/mtibben/percent,
// which sorts after this package, so this package must import nothing outside the standard
// library). For every command but import it sets the variable to an address no D-Bus
// library dials: the library finds no bus and never waits. For import, which reads the
// Secret Service through the library, it leaves a bus that is there, and bounds the library's
// connection: if main has not begun within deadline.Keyring, the program says so and ends.
// Restore, mfacred-core's first step, puts the variable back as the program found it.
// e2e/busguard_test.go runs the program with a dbus-launch that says if it was run and with
// a bus that never answers.
package busguard

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

const variable = "DBUS_SESSION_BUS_ADDRESS"

// noBus is an address of a transport no D-Bus library has: dialling it fails at once.
const noBus = "disabled:mfacred-no-session-bus"

// Bound is how long import's connection to the session bus may take before main begins: the
// keyring's bound (deadline.Keyring, which this package cannot import).
const Bound = 10 * time.Second

var (
	found, wasSet = os.LookupEnv(variable)
	restored      atomic.Bool
)

func init() {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return
	}
	if !isImport(os.Args) {
		os.Setenv(variable, noBus)
		return
	}
	if found == "" || found == "autolaunch:" {
		if dir := os.Getenv("XDG_RUNTIME_DIR"); dir == "" || !exists(filepath.Join(dir, "bus")) {
			os.Setenv(variable, noBus) // no bus: none of the library's own either
			return
		}
	}
	time.AfterFunc(Bound, func() {
		if !restored.Load() {
			fmt.Fprintf(os.Stderr, "mfacred: import: the D-Bus session bus did not answer within %s\n", Bound)
			os.Exit(1)
		}
	})
}

// isImport says whether args (os.Args) run the import command: its name first, after
// mfacred's own --keyring flag if given.
func isImport(args []string) bool {
	if len(args) > 0 {
		args = args[1:]
	}
	if len(args) > 0 && (args[0] == "--keyring" || args[0] == "-keyring") {
		args = args[min(2, len(args)):]
	} else if len(args) > 0 && (strings.HasPrefix(args[0], "--keyring=") || strings.HasPrefix(args[0], "-keyring=")) {
		args = args[1:]
	}
	return len(args) > 0 && args[0] == "import"
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Restore puts DBUS_SESSION_BUS_ADDRESS back as the program found it, whatever this package
// or the keyring library's initialisation did with it.
func Restore() {
	restored.Store(true)
	if wasSet {
		os.Setenv(variable, found)
	} else {
		os.Unsetenv(variable)
	}
}
