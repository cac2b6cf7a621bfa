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

	"github.com/mfacred/mfacred/cache"
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
// choice is $MFACRED_KEYRING. Both binaries read it the same way.
func KeyringChoice(args []string) (choice string, rest []string, err error) {
	if len(args) > 0 && (args[0] == "--keyring" || args[0] == "-keyring") {
		if len(args) < 2 {
			return "", nil, errors.New("--keyring needs a value: os or kernel")
		}
		return args[1], args[2:], nil
	}
	if len(args) > 0 && (strings.HasPrefix(args[0], "--keyring=") || strings.HasPrefix(args[0], "-keyring=")) {
		return args[0][strings.IndexByte(args[0], '=')+1:], args[1:], nil
	}
	return os.Getenv(cache.KeyringEnv), args, nil
}
