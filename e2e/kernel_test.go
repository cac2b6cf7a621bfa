//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/internal/testenv"
)

// daemons lists the PIDs of the D-Bus and keyring daemons running now.
func daemons() map[string]bool {
	pids := map[string]bool{}
	for _, name := range []string{"dbus-daemon", "gnome-keyring-daemon", "gnome-keyring-d"} {
		out, _ := exec.Command("pgrep", "-x", name).Output()
		for _, p := range strings.Fields(string(out)) {
			pids[p] = true
		}
	}
	return pids
}

// Headless Linux: no session bus, dbus-launch installed. process caches in the kernel keyring,
// with keys from a credentials-file profile and codes from mfa_process; the second call is a
// cache hit; no D-Bus or keyring daemon is started behind the user's back.
func TestKernelKeyringWithoutDBus(t *testing.T) {
	// Serial: it looks for every dbus-daemon and gnome-keyring-daemon on the machine that
	// was not there before its calls, and parallel tests start both (own keyrings, bare buses).
	_, err := exec.LookPath("dbus-launch")
	need(t, "dbus-launch (Debian package dbus-x11), which a careless keyring library would run", err)
	w := newWorld(t)
	var env []string
	for _, kv := range w.env {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			env = append(env, kv)
		}
	}
	w.env = append(env, "DISPLAY=") // no desktop either
	w.kernelReady()

	before := daemons()
	var took []time.Duration
	var keys []string
	for i := 0; i < 2; i++ {
		r := w.run(nil, nil, binary, "process", "--profile", w.profile)
		if r.err != nil {
			t.Fatalf("call %d: %v\n%s", i+1, r.err, r.stderr)
		}
		keys = append(keys, parseCreds(t, r.stdout).AccessKeyId)
		took = append(took, r.took)
	}
	t.Logf("first call (with STS) %s, second (cache hit) %s", took[0], took[1])
	if keys[0] != keys[1] || w.sts.Count("GetSessionToken") != 1 {
		t.Fatalf("the second call was not served from the cache (%d GetSessionToken)", w.sts.Count("GetSessionToken"))
	}
	// A hang (D-Bus activation, an autolaunched bus) takes 25 s; this bound catches it.
	for i, d := range took {
		if d > 5*time.Second {
			t.Fatalf("call %d took %s: something waited on D-Bus", i+1, d)
		}
	}
	for pid := range daemons() {
		if !before[pid] {
			out, _ := exec.Command("ps", "-o", "pid,args", "-p", pid).Output()
			t.Fatalf("a daemon was started: %s", out)
		}
	}
	status := w.mustRun(binary, "status")
	if !strings.HasPrefix(status, "keyring: Linux kernel keyring") || !strings.Contains(status, w.serial) {
		t.Fatalf("status:\n%s", status)
	}
	// Long-term keys and seeds stay out of a cache that vanishes, with a sentence that says why.
	r := w.run(nil, []string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + w.user.SecretAccessKey}, binary, "add", w.profile, "--env")
	oneLineErr(t, r, "the kernel keyring holds sessions only", "mfacred_source_profile")
	seed := w.seed
	r = w.run(&seed, nil, binary, "totp", "set", "--profile", w.profile)
	oneLineErr(t, r, "the kernel keyring holds sessions only", "mfa_process")
	r = w.run(nil, nil, binary, "setup", "--profile", w.profile, "--env")
	oneLineErr(t, r, "setup stores long-term keys, and Linux kernel keyring", "holds sessions only", "mfacred doctor --profile "+w.profile)
	// doctor still works there: keys from the file, devices from AWS.
	r = w.run(nil, nil, binary, "doctor", "--profile", w.profile)
	if r.code != 0 || !strings.Contains(r.stdout, "ok       keys of profile "+w.profile+"-keys: access key "+w.user.AccessKeyID+", in "+filepath.Join(w.dir, "home", ".aws", "credentials")) ||
		!strings.Contains(r.stdout, "ok       device: mfa_serial "+w.serial) {
		t.Fatalf("doctor with the kernel keyring: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A session bus with no Secret Service on it (a headless server's systemd user bus): the
// first keyring call finds none, and the kernel keyring serves instead, with no error.
func TestKernelKeyringWhenTheBusHasNoSecretService(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bus, stop, err := testenv.BareSessionBus(filepath.Join(w.dir, "bus"))
	t.Cleanup(stop)
	need(t, "dbus-daemon", err)
	for i, kv := range w.env {
		if strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			w.env[i] = "DBUS_SESSION_BUS_ADDRESS=" + bus
		}
	}
	w.kernelReady()
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	second := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	if first.AccessKeyId != second.AccessKeyId || w.sts.Count("GetSessionToken") != 1 {
		t.Fatal("the second call was not a cache hit")
	}
	if status := w.mustRun(binary, "status"); !strings.HasPrefix(status, "keyring: Linux kernel keyring (user keyring, keyutils), as the session bus has no Secret Service") {
		t.Fatalf("status:\n%s", status)
	}
}

// kernelReady sets a world up for the kernel keyring, which holds sessions only: a device
// unique to this run (kernel items outlive the test run and must not meet another run's), the
// long-term keys in a credentials-file profile named in mfacred_source_profile, codes from
// mfa_process; the session is cleared at the end.
func (w *world) kernelReady() {
	w.t.Helper()
	w.serial = fmt.Sprintf("%s-%d", w.serial, time.Now().UnixNano())
	w.sts.SetDevices(w.user.AccessKeyID, localstsDevice(w.serial, w.seed))
	src := w.profile + "-keys"
	credsPath := filepath.Join(w.dir, "home", ".aws", "credentials")
	if err := os.WriteFile(credsPath, []byte(fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", src, w.user.AccessKeyID, w.user.SecretAccessKey)), 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { os.Remove(credsPath) }) // the user's own file, not a leak of mfacred's
	w.writeConfig(w.mfaProcess(), "mfacred_source_profile = "+src, "", "[profile "+src+"]")
	w.t.Cleanup(func() { w.run(nil, nil, binary, "clear", "--profile", w.profile) })
}
