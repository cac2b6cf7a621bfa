//go:build unix

package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/localsts"
)

// nobody is the unprivileged user the quota test runs mfacred as.
const nobody = 65534

// With MFACRED_KEYRING=kernel, 40 role profiles work for a user who is not root (whose
// kernel key quota is 20,000 bytes by default, /proc/sys/kernel/keys/maxbytes): every call
// prints the credentials it obtained, and the cache makes room for the newest by dropping
// the items that expire soonest.
func TestKernelQuotaOfUnprivilegedUser(t *testing.T) {
	t.Parallel()
	// As root, mfacred runs as user nobody; as any other user, as that user (whose quota is the
	// same).
	var asUser []string
	if os.Getuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		need(t, "setpriv (Debian package util-linux)", err)
		asUser = []string{setpriv, fmt.Sprintf("--reuid=%d", nobody), fmt.Sprintf("--regid=%d", nobody), "--clear-groups"}
	}
	w := newWorld(t)
	w.kernelReady()

	// A home and a copy of the binaries that user nobody can reach (the test root is 0700).
	base, err := os.MkdirTemp("", "mfacred-quota-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	home := filepath.Join(base, "home")
	bin := filepath.Join(base, "bin")
	for _, d := range []string{filepath.Join(home, ".aws"), bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mfacred", "mfacred-core"} {
		copyFile(t, filepath.Join(filepath.Dir(binary), name), filepath.Join(bin, name), 0o755)
	}
	const roles = 40
	var cfg strings.Builder
	cfg.WriteString(readFile(t, w.configPath()))
	for i := 0; i < roles; i++ {
		arn := fmt.Sprintf("arn:aws:iam::222222222222:role/team-%02d-Administrators", i)
		w.sts.AddRole(localsts.Role{ARN: arn, RequireMFA: true})
		fmt.Fprintf(&cfg, "\n[profile role%02d]\nmfacred_source_profile = %s\nmfacred_role_arn = %s\nregion = us-east-1\n", i, w.profile, arn)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(w.dir, "home", ".aws", "credentials"), filepath.Join(home, ".aws", "credentials"), 0o600)
	if asUser != nil {
		if out, err := exec.Command("chown", "-R", fmt.Sprint(nobody), home).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"DBUS_SESSION_BUS_ADDRESS=", "MFACRED_KEYRING=kernel"}
	asNobody := func(args ...string) result {
		argv := append(append(append([]string{}, asUser...), filepath.Join(bin, "mfacred")), args...)
		return w.run(nil, env, argv[0], argv[1:]...)
	}
	if r := asNobody("clear"); r.err != nil { // what earlier runs left in nobody's keyring
		t.Fatalf("clear: %v\n%s", r.err, r.stderr)
	}
	t.Cleanup(func() { asNobody("clear") })

	for i := 0; i < roles; i++ {
		r := asNobody("process", "--profile", fmt.Sprintf("role%02d", i))
		if r.err != nil {
			t.Fatalf("role%02d (after %s): %v\n%s", i, w.stsCalls(), r.err, r.stderr)
		}
		parseCreds(t, r.stdout)
		if r.stderr != "" && !strings.Contains(r.stderr, "/proc/sys/kernel/keys/maxbytes") {
			t.Fatalf("role%02d: %s", i, r.stderr)
		}
	}
	if got := w.stsCalls(); got != fmt.Sprintf("GetSessionToken=1 AssumeRole=%d", roles) {
		t.Fatalf("after %d roles: %s", roles, got)
	}
	// The newest items stayed: the last role is served from the cache.
	r := asNobody("process", "--profile", fmt.Sprintf("role%02d", roles-1))
	if r.err != nil {
		t.Fatalf("again: %v\n%s", r.err, r.stderr)
	}
	if got := w.stsCalls(); got != fmt.Sprintf("GetSessionToken=1 AssumeRole=%d", roles) {
		t.Fatalf("the newest role was not cached: %s", got)
	}
	if status := asNobody("status"); !strings.Contains(status.stdout, fmt.Sprintf("role%02d\t", roles-1)) {
		t.Fatalf("status as nobody does not list the newest role:\n%s", status.stdout)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
