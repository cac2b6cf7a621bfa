package cli

import (
	"os"
	"runtime"
	"slices"
	"testing"
)

// With no session bus, every command but import gets an address no library dials, and
// mfacred-core's RestoreBus unsets it again; a bus that is there is handed over as it is.
func TestCoreEnvKeepsTheBusUnset(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("aws-vault's keyring library asks for the session bus on Linux only")
	}
	t.Setenv(busVar, "")
	os.Unsetenv(busVar)
	for _, tc := range []struct {
		args  []string
		noBus bool
	}{
		{[]string{"process", "--profile", "work"}, true},
		{[]string{"--keyring", "kernel", "status"}, true},
		{[]string{"import", "aws-vault"}, false},
		{[]string{"--keyring=os", "import", "aws-vault"}, false},
	} {
		if got := slices.Contains(CoreEnv(tc.args), busVar+"="+noBus); got != tc.noBus {
			t.Errorf("%q: no-bus address handed over %v, want %v", tc.args, got, tc.noBus)
		}
	}
	os.Setenv(busVar, noBus)
	RestoreBus()
	if v, set := os.LookupEnv(busVar); set {
		t.Fatalf("after RestoreBus %s=%q, want it unset", busVar, v)
	}
	t.Setenv(busVar, "unix:path=/run/user/1000/bus")
	if env := CoreEnv([]string{"process"}); slices.Contains(env, busVar+"="+noBus) {
		t.Fatal("a session bus that is there was replaced")
	}
	RestoreBus()
	if os.Getenv(busVar) != "unix:path=/run/user/1000/bus" {
		t.Fatal("RestoreBus changed a real address")
	}
}
