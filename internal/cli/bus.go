package cli

import (
	"os"
	"runtime"
)

// aws-vault's keyring library (github.com/99designs/keyring), linked into mfacred-core for
// `mfacred import aws-vault` alone, asks for the D-Bus session bus as the program starts, for
// every command. Where DBUS_SESSION_BUS_ADDRESS is unset on Linux it then starts a bus of its
// own (dbus-launch) and sets the variable to it: a dbus-daemon left behind by each call, and a
// bus that is not the user's, on which mfacred-core would look for the Secret Service instead
// of using the kernel keyring (README, "Where it works"). So mfacred hands every other command
// an address no library dials (CoreEnv), and mfacred-core unsets it again first thing
// (RestoreBus), before anything reads it.
const noBus = "disabled:mfacred-no-session-bus"

const busVar = "DBUS_SESSION_BUS_ADDRESS"

// CoreEnv is the environment mfacred runs mfacred-core with for args (its own arguments).
func CoreEnv(args []string) []string {
	env := os.Environ()
	if runtime.GOOS != "linux" || os.Getenv(busVar) != "" {
		return env
	}
	if _, _, rest, err := KeyringChoice(args); err == nil && len(rest) > 0 && rest[0] == "import" {
		return env
	}
	return append(env, busVar+"="+noBus)
}

// RestoreBus unsets the session bus address CoreEnv set, as mfacred-core's first step.
func RestoreBus() {
	if os.Getenv(busVar) == noBus {
		os.Unsetenv(busVar)
	}
}
