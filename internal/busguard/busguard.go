// Package busguard keeps aws-vault's keyring library (github.com/99designs/keyring, linked
// into mfacred-core for `mfacred import aws-vault`) from starting a D-Bus session bus. The
// library asks for the session bus in its package initialisation, in every run of the
// program, whatever the command; where DBUS_SESSION_BUS_ADDRESS is unset and no bus is at
// $XDG_RUNTIME_DIR/bus, its D-Bus package runs dbus-launch and sets the variable to that new
// bus: a dbus-daemon left behind by each run, and a bus that is not the user's, on which
// mfacred would look for the Secret Service instead of using the kernel keyring (README,
// "Where it works"); where a bus is only at $XDG_RUNTIME_DIR/bus, it sets the variable to it.
//
// This package's init, which runs before the library's, sets the variable to an address no
// D-Bus library dials when there is no bus at all, and Restore, mfacred-core's first step,
// puts the variable back as the program found it. Go initialises packages in import-path
// order among those whose imports are initialised; the library waits for
// github.com/mtibben/percent, which sorts after this package (the test of
// e2e/busguard_test.go runs the program with a dbus-launch that says if it was run).
package busguard

import (
	"os"
	"path/filepath"
	"runtime"
)

const variable = "DBUS_SESSION_BUS_ADDRESS"

// An unset, empty or "autolaunch:" variable makes the library's D-Bus package run
// dbus-launch.

// noBus is an address of a transport no D-Bus library has: dialling it fails at once.
const noBus = "disabled:mfacred-no-session-bus"

var found, wasSet = os.LookupEnv(variable)

func init() {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || wasSet && found != "" && found != "autolaunch:" {
		return
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return // the library finds the user's bus there: no bus of its own
		}
	}
	os.Setenv(variable, noBus)
}

// Restore puts DBUS_SESSION_BUS_ADDRESS back as the program found it, whatever the keyring
// library's initialisation did with it.
func Restore() {
	if wasSet {
		os.Setenv(variable, found)
	} else {
		os.Unsetenv(variable)
	}
}
