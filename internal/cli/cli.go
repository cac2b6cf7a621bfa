// Package cli is what the two binaries, mfacred and mfacred-core, share about how they are
// started: the --keyring choice in front of every command, and where the other binary is
// installed.
package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/mfacred/mfacred/keyring"
)

// Sibling is the path of the program name (name.exe on Windows) in the folder of the running
// one, where install.sh puts mfacred and mfacred-core side by side; self is the running one.
func Sibling(name string) (path, self string, err error) {
	self, err = os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("find the path of %s: %w", name, err)
	}
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(self), name), self, nil
}

// KeyringChoice takes a leading --keyring NAME (or --keyring=NAME) off args; without one the
// choice is $MFACRED_KEYRING. from names where the choice came from, for its errors
// (keyring.Open). An empty --keyring is an error, not the automatic choice: it would
// silently override MFACRED_KEYRING. So is MFACRED_KEYRING set but empty (README: an empty
// value is a usage error); unset, it is the automatic choice. Both binaries read it the same
// way.
func KeyringChoice(args []string) (choice, from string, rest []string, err error) {
	const flag = "--keyring"
	switch {
	case len(args) > 0 && (args[0] == flag || args[0] == "-keyring"):
		if len(args) < 2 {
			return "", "", nil, errors.New("--keyring needs a value: os or kernel")
		}
		choice, rest = args[1], args[2:]
	case len(args) > 0 && (strings.HasPrefix(args[0], flag+"=") || strings.HasPrefix(args[0], "-keyring=")):
		choice, rest = args[0][strings.IndexByte(args[0], '=')+1:], args[1:]
	default:
		choice, set := os.LookupEnv(keyring.Env)
		if set && choice == "" {
			return "", "", nil, errors.New(keyring.Env + " is set but empty: want os or kernel (unset it for the automatic choice)")
		}
		return choice, keyring.Env, args, nil
	}
	if choice == "" {
		return "", "", nil, errors.New("--keyring needs a value: os or kernel (leave the flag out for the automatic choice)")
	}
	if len(rest) > 0 && (rest[0] == flag || rest[0] == "-keyring" || strings.HasPrefix(rest[0], flag+"=") || strings.HasPrefix(rest[0], "-keyring=")) {
		return "", "", nil, errors.New("--keyring given twice")
	}
	// Checked here, not when the keyring is first opened: a command taken for the value
	// (`mfacred --keyring status`) would leave no command, and the usage would not say why.
	if _, err := keyring.Open(choice, flag); err != nil {
		return "", "", nil, err
	}
	return choice, flag, rest, nil
}

// Core is mfacred-core beside the running mfacred, or an error that says how to install it.
func Core() (string, error) {
	core, _, err := Sibling("mfacred-core")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(core); err != nil {
		return "", fmt.Errorf("%s is missing: mfacred needs it beside itself; install both with ./install.sh", core)
	}
	return core, nil
}

// Front is the mfacred binary that profiles name in credential_process: the one beside the
// running mfacred-core, or the running binary itself when there is none (as under `go run`).
func Front() (string, error) {
	front, self, err := Sibling("mfacred")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(front); err != nil {
		return self, nil
	}
	return front, nil
}
