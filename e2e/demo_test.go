//go:build linux

package e2e

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/testenv"
	"github.com/mfacred/mfacred/keyring"
)

// secretItems lists the paths of every item in every collection of the Secret Service on bus.
func secretItems(t *testing.T, bus string) []string {
	t.Helper()
	get := func(path, iface, prop string) []string {
		c := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", path,
			"org.freedesktop.DBus.Properties.Get", "string:"+iface, "string:"+prop)
		c.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+bus)
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("read %s %s: %v %s", path, prop, err, out)
		}
		return regexp.MustCompile(`object path "([^"]+)"`).FindAllString(string(out), -1)
	}
	var items []string
	for _, col := range get("/org/freedesktop/secrets", "org.freedesktop.Secret.Service", "Collections") {
		path := strings.TrimSuffix(strings.TrimPrefix(col, `object path "`), `"`)
		items = append(items, get(path, "org.freedesktop.Secret.Collection", "Items")...)
	}
	sort.Strings(items)
	return items
}

// files maps every file and folder below dir to its mode, size, content hash and time (of a
// file; a folder's changes with every entry made and removed in it). The private keyring's
// own storage (kr/) is left out: secretItems compares its items.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "kr" {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.IsDir() {
			m[path] = fi.Mode().String()
			return nil
		}
		sum := ""
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		m[path] = fmt.Sprintf("%v %d %s %v", fi.Mode(), fi.Size(), sum, fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, a := range after {
		if b, ok := before[p]; !ok {
			t.Errorf("the demo left %s", p)
		} else if a != b {
			t.Errorf("the demo changed %s: %s -> %s", p, b, a)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("the demo removed %s", p)
		}
	}
}

// demoWorld is a user with their own ~/.aws, a cached mfacred item of their own and a
// private Secret Service, about to run `mfacred demo`.
func demoWorld(t *testing.T) (w *world, bus string, env []string) {
	w = newWorld(t)
	bus, stop, err := testenv.SecretService(filepath.Join(w.dir, "kr"))
	t.Cleanup(stop)
	need(t, "a private Secret Service", err)
	home := filepath.Join(w.dir, "home")
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile mine]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("# the user's own\n[other]\noutput = json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(w.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	env = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus, "TMPDIR=" + tmp, "AWS_PROFILE=mine",
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials")}
	// The user's own keys, stored the usual way: the demo must leave them alone.
	r := w.run(nil, append(env, "AWS_ACCESS_KEY_ID="+w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+w.user.SecretAccessKey), binary, "add", "mine", "--env")
	if r.err != nil {
		t.Fatalf("mfacred add mine: %v %s", r.err, r.stderr)
	}
	return w, bus, env
}

// checkUntouched checks that the keyring and the files are as they were before the demo.
func checkUntouched(t *testing.T, w *world, bus string, items []string, before map[string]string) {
	t.Helper()
	if after := secretItems(t, bus); strings.Join(after, " ") != strings.Join(items, " ") {
		t.Errorf("keyring items before the demo %v, after %v", items, after)
	}
	sameFiles(t, before, files(t, w.dir))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := (&cache.Store{Keyring: busKeyring{bus}}).Keys(ctx, "mine"); err != nil || c.AccessKeyID != w.user.AccessKeyID {
		t.Errorf("the user's own keys after the demo: %v %q", err, c.AccessKeyID)
	}
}

// `mfacred demo --auto` shows the whole flow with the AWS CLI v2 as the caller, and afterwards
// the keyring holds exactly the items it held before, and no file below the user's home or
// the temporary folder was made, changed or removed.
func TestDemoLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w, bus, env := demoWorld(t)
	items := secretItems(t, bus)
	if len(items) != 1 {
		t.Fatalf("keyring items before the demo: %v, want the user's one", items)
	}
	before := files(t, w.dir)
	r := w.run(nil, append(env, "PATH="+filepath.Dir(binary)+":"+filepath.Dir(aws)+":/bin"), binary, "demo", "--auto")
	if r.err != nil {
		t.Fatalf("mfacred demo --auto: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"$ mfacred add demo --env",
		"credential_process = " + binary + " process --profile demo\n",
		"Second call: served from the keyring",
		"16 answers in",
		"GetSessionToken calls: 1\n\n6.",
		"AssumeRole calls: 1, new GetSessionToken calls: 0",
		"The AWS CLI as the caller",
		"arn:aws:sts::222222222222:assumed-role/Admin/alice",
		"is not one of the MFA devices of arn:aws:iam::111111111111:user/alice, which are: phone (arn:aws:iam::111111111111:mfa/phone), backup (arn:aws:iam::111111111111:mfa/backup)",
		"limited to arn:aws:iam::*:mfa/${aws:username}",
		"Done: the keyring namespace mfacred-demo-",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, r.stdout)
		}
	}
	checkUntouched(t, w, bus, items, before)
}

// With no AWS CLI on PATH the Go SDK is the caller; still nothing is left.
func TestDemoWithoutAWSCLI(t *testing.T) {
	t.Parallel()
	w, bus, env := demoWorld(t)
	items := secretItems(t, bus)
	before := files(t, w.dir)
	r := w.run(nil, append(env, "PATH="+filepath.Dir(binary)), binary, "demo")
	if r.err != nil {
		t.Fatalf("mfacred demo: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	for _, want := range []string{"(--auto or no terminal:", "The AWS SDK for Go as the caller", "GetCallerIdentity: arn:aws:sts::222222222222:assumed-role/Admin/alice"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, r.stdout)
		}
	}
	checkUntouched(t, w, bus, items, before)
}

// At a terminal the demo shows the device's current code; the person types it at mfacred's
// prompt and the demo goes on to the end.
func TestDemoAtTerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tm := startTmux(t, w, binary+" demo; echo EXIT=$?")
	screen := tm.waitFor("now: type it when mfacred asks", 30*time.Second)
	m := regexp.MustCompile(`"phone" shows (\d{6}) now`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no code on the screen:\n%s", screen)
	}
	tm.waitFor("MFA code for profile demo", 20*time.Second)
	tm.typeLine(m[1])
	screen = tm.waitFor("EXIT=", 90*time.Second)
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, "Done: the keyring namespace") {
		t.Fatalf("the demo did not finish with the typed code:\n%s", screen)
	}
}

// With the kernel keyring (no session bus), which holds sessions only, the demo keeps the keys
// in its own credentials file and still leaves no item in the kernel keyring and no file.
func TestDemoWithKernelKeyring(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tmp := filepath.Join(w.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	before := files(t, w.dir)
	r := w.run(nil, []string{"DBUS_SESSION_BUS_ADDRESS=", "TMPDIR=" + tmp, "PATH=" + filepath.Dir(binary)}, binary, "demo")
	if r.err != nil {
		t.Fatalf("mfacred demo: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`keyring namespace (mfacred-demo-[0-9a-f]+) `).FindStringSubmatch(r.stdout)
	if m == nil || !strings.Contains(r.stdout, "the kernel keyring holds sessions only") || !strings.Contains(r.stdout, "16 answers in") {
		t.Fatalf("the demo's output:\n%s", r.stdout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	left, err := keyring.Kernel{}.List(ctx, m[1])
	if err != nil || len(left) != 0 {
		t.Errorf("kernel keyring items of %s after the demo: %v %v", m[1], left, err)
	}
	sameFiles(t, before, files(t, w.dir))
}

// Ctrl-C while the demo waits for the person's code ends it at once, and it still removes its
// folder and every keyring item it made.
func TestDemoCtrlC(t *testing.T) {
	// Serial: the time it checks against signalBound ends with a line on tmux's screen, so it
	// holds tmux's screen polling, the shell's next command and (for Ctrl-C) the start of
	// tmux's client besides mfacred's end; beside the parallel tests on 2 cores those alone
	// may take most of the bound. Run alone, it measures the product's time.
	w := newWorld(t)
	tm := startTmux(t, w, "trap true INT\n"+binary+" demo; echo EXIT=$?")
	tm.waitFor("MFA code for profile demo", 30*time.Second)
	all, _ := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-J", "-S", "-").Output() // with the lines scrolled off
	screen := string(all)
	m := regexp.MustCompile(`Files go to (\S+), keyring items under the service (mfacred-demo-[0-9a-f]+);`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no folder and namespace on the screen:\n%s", screen)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if items, err := (keyring.OS{}).List(ctx, m[2]); err != nil || len(items) == 0 {
		t.Fatalf("before Ctrl-C the demo's keys should be in the keyring: %v %v", items, err)
	}
	start := time.Now()
	if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "C-c").CombinedOutput(); err != nil {
		t.Fatalf("send-keys C-c: %v %s", err, out)
	}
	screen = tm.waitFor("EXIT=", signalBound)
	t.Logf("Ctrl-C in the demo: ended within %s", time.Since(start).Round(10*time.Millisecond))
	if !strings.Contains(screen, "EXIT=130") {
		t.Fatalf("want exit 130 after Ctrl-C:\n%s", screen)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the demo's folder %s is still there (%v)", m[1], err)
	}
	if items, err := (keyring.OS{}).List(ctx, m[2]); err != nil || len(items) != 0 {
		t.Errorf("keyring items of %s after Ctrl-C: %v %v", m[2], items, err)
	}
}
