//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/internal/testenv"
	"github.com/mfacred/mfacred/keyring"
	"github.com/mfacred/mfacred/localsts"
)

// oneLineErr checks that a failed call printed nothing on stdout and one line on stderr.
func oneLineErr(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("succeeded: %s", r.stdout)
	}
	if r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("want one line on stderr and nothing on stdout, got %q / %q", r.stdout, r.stderr)
	}
	for _, s := range want {
		if !strings.Contains(r.stderr, s) {
			t.Fatalf("error %q does not say %q", r.stderr, s)
		}
	}
}

// Throttling and 5xx are retried a bounded number of times, then explained; a passing fault
// is survived.
func TestSTSThrottlingAnd5xx(t *testing.T) {
	t.Parallel() // waits out retries
	t.Run("503 twice, then fine", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.writeConfig(w.mfaProcess())
		w.addKeys()
		w.sts.Inject(localsts.Fault{Action: "GetSessionToken", Status: 503, Code: "ServiceUnavailable", Message: "try later", Times: 2})
		parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
		if n := w.sts.Count("GetSessionToken"); n != 3 {
			t.Fatalf("%d attempts, want 3", n)
		}
	})
	t.Run("throttled throughout", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.writeConfig(w.mfaProcess())
		w.addKeys()
		w.sts.Inject(localsts.Fault{Action: "GetSessionToken", Status: 400, Code: "Throttling", Message: "Rate exceeded"})
		r := w.run(nil, nil, binary, "process", "--profile", w.profile)
		oneLineErr(t, r, "profile "+w.profile+": STS throttled GetSessionToken, still after retries", "Throttling: Rate exceeded")
		if n := w.sts.Count("GetSessionToken"); n != 3 {
			t.Fatalf("%d attempts, want 3 (bounded)", n)
		}
	})
}

// A hanging STS meets a deadline and a sentence, well inside the Go SDK's 60 s.
func TestSTSHangs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	w.sts.Inject(localsts.Fault{Action: "GetSessionToken", Hang: 5 * time.Minute})
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "profile "+w.profile+": STS did not answer GetSessionToken within 20s")
	// The wait was the STS call's own bound: it did wait for it (the call reached a hanging
	// STS, not an error of its own), and ended before the SDKs kill a credential_process
	// helper, 5 minutes before the hang would have.
	if r.took < deadline.Call || r.took >= deadline.SDKKill {
		t.Fatalf("process ended after %s: want the STS call's bound of %s, and less than the SDKs' %s", r.took.Round(time.Second), deadline.Call, deadline.SDKKill)
	}
	if n := w.sts.Count("GetSessionToken"); n == 0 {
		t.Fatal("the call never reached STS")
	}
}

// A process killed while it holds the device's lock and waits on STS leaves no stale lock, and
// the session cached before it is intact; the code it sent is never sent again.
func TestKilledRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	store := w.store()
	key := cache.SessionKey(w.profile, w.serial)
	// A session due for renewal (10 minutes left) but still valid.
	before := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIABEFORE0000000001", SecretAccessKey: "before-secret-0000000001", SessionToken: "before-token"},
		Expiration: time.Now().Add(10 * time.Minute).UTC().Truncate(time.Second), SourceKeyID: w.user.AccessKeyID, Source: w.profile, Device: w.serial}
	if err := store.PutSession(t.Context(), key, before); err != nil {
		t.Fatal(err)
	}
	w.sts.Inject(localsts.Fault{Action: "GetSessionToken", Hang: 5 * time.Minute})
	cmd := exec.Command(binary, "process", "--profile", w.profile)
	cmd.Env = w.env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); w.sts.Count("GetSessionToken") == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the refresh never reached STS")
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if got, err := store.Session(t.Context(), key); err != nil || got != before {
		t.Fatalf("the session from before was damaged: %+v %v", got, err)
	}
	w.sts.ClearFaults()
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	if r.err != nil {
		t.Fatalf("the next call failed: %v %s", r.err, r.stderr)
	}
	if c := parseCreds(t, r.stdout); c.AccessKeyId == before.AccessKeyID {
		t.Fatal("the next call served the old session instead of renewing it")
	}
	// AWS may have used the code of the request left hanging: the next call must send another.
	codes := w.sts.Codes("GetSessionToken")
	if len(codes) != 2 || codes[0] == codes[1] {
		t.Fatalf("codes sent: %q; want two different ones (the killed call's, then a fresh one)", codes)
	}
}

// A damaged, foreign or old-format cache item is a miss, replaced by a good one; a keyring
// that cannot be reached fails at once with a sentence.
func TestBadCacheItemsAndNoKeyring(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	key := cache.SessionKey(w.profile, w.serial)
	if err := (keyring.OS{}).Set(t.Context(), cache.Service, string(key), `{"v":0,"k":"ASIAOLDFORMAT","s":"s","t":"t","e":"2099-01-01T00:00:00Z"}`); err != nil {
		t.Fatal(err)
	}
	c := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	if c.AccessKeyId == "ASIAOLDFORMAT" {
		t.Fatal("served an item of an old format")
	}
	if got, err := w.store().Session(t.Context(), key); err != nil || got.AccessKeyID != c.AccessKeyId {
		t.Fatalf("the bad item was not replaced: %+v %v", got, err)
	}

	r := w.run(nil, []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + w.dir + "/no-such-bus", "MFACRED_KEYRING=os"}, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "profile "+w.profile, "OS keyring unreachable", "is gone")
	r = w.run(nil, []string{"DBUS_SESSION_BUS_ADDRESS=", "MFACRED_KEYRING=os"}, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "OS keyring unreachable: no D-Bus session bus", "MFACRED_KEYRING=kernel")
}

// A cached session is served only for the device it was made with: another mfa_serial in
// the config gets a session of its own.
func TestChangedSerialNeverServesOldSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	backup, _ := w.twoDevices()
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	w.serial = backup
	w.env = append(w.env, "MFACRED_BACKUP_SEED="+backupSeed)
	w.writeConfig(`mfa_process = oathtool --totp -b "$MFACRED_BACKUP_SEED"`)
	second := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	if second.AccessKeyId == first.AccessKeyId || w.sts.Count("GetSessionToken") != 2 {
		t.Fatal("the session of one device was served for another")
	}
}

// The keyring locked mid-run (here: its default collection locked over D-Bus after a session
// was cached): a one-line error that names the profile and says how to unlock, at once.
func TestKeyringLockedMidRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bus, _ := w.ownKeyring(t) // it gets locked
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	if err := lockKeyring(bus); err != nil {
		t.Fatal(err)
	}
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "profile "+w.profile, "the keyring is locked", "MFACRED_KEYRING=kernel")
}

// ownKeyring gives w a Secret Service of its own (below w.dir, so that a test may lock it, or
// stop it and start another on the same files) and returns its bus address and its stop.
func (w *world) ownKeyring(t *testing.T) (string, func()) {
	t.Helper()
	bus, stop, err := testenv.SecretService(filepath.Join(w.dir, "own-keyring"))
	t.Cleanup(stop)
	if err != nil {
		need(t, "a second Secret Service", err)
	}
	for i, kv := range w.env {
		if strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			w.env[i] = "DBUS_SESSION_BUS_ADDRESS=" + bus
		}
	}
	return bus, stop
}

// lockKeyring locks the default collection of the Secret Service at bus, as a screen lock does.
func lockKeyring(bus string) error {
	lock := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
		"org.freedesktop.Secret.Service.Lock", "array:objpath:/org/freedesktop/secrets/aliases/default")
	lock.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+bus)
	if out, err := lock.CombinedOutput(); err != nil {
		return fmt.Errorf("lock the keyring: %v %s", err, out)
	}
	return nil
}
