//go:build unix

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No secret is in the argv or environment of mfacred or of the mfa_process it runs: the
// mfa_process here copies both from /proc while mfacred waits for its code. (The files are then
// also scanned with everything else below the test root.)
func TestNoSecretsInArgvOrEnvironment(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dump := filepath.Join(w.dir, "proc")
	if err := os.MkdirAll(dump, 0o700); err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, "DUMP="+dump)
	// The test's own seed variable is left out: the test put it there, not mfacred.
	copyProc := func(pid, name string) string {
		return `tr '\0' '\n' < /proc/` + pid + `/cmdline > "$DUMP/` + name + `.cmdline"; ` +
			`tr '\0' '\n' < /proc/` + pid + `/environ | grep -v '^MFACRED_TEST_SEED=' > "$DUMP/` + name + `.environ"; `
	}
	w.writeConfig("mfa_process = " + copyProc("$PPID", "mfacred") + copyProc("$$", "mfa_process") + `oathtool --totp -b "$MFACRED_TEST_SEED"`)
	w.addKeys()
	c := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	secrets := append(w.sts.Secrets(), c.SecretAccessKey, c.SessionToken)
	for _, name := range []string{"mfacred.cmdline", "mfacred.environ", "mfa_process.cmdline", "mfa_process.environ"} {
		b, err := os.ReadFile(filepath.Join(dump, name))
		if err != nil || len(b) == 0 {
			t.Fatalf("%s not copied: %v", name, err)
		}
		for _, s := range secrets {
			if s != w.seed && len(s) >= 16 && strings.Contains(string(b), s) {
				t.Fatalf("%s holds a secret", name)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dump, "mfacred.cmdline")); !strings.Contains(string(b), "mfacred-core\nprocess\n--profile\n"+w.profile) {
		t.Fatalf("mfacred.cmdline is not mfacred's: %q", b)
	}
}
