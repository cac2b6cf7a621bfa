//go:build unix

package e2e

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/localsts"
)

// A damaged stored seed is named with its profile, device and the fix, before any code is
// spent (the TOTP library's own "Decoding of secret as base32 failed." said none of it).
func TestDamagedSeedNamesProfileAndFix(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	if err := w.store().PutSeed(context.Background(), w.serial, "NOT BASE32 !!"); err != nil {
		t.Fatal(err)
	}
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "profile "+w.profile+": the seed stored for device "+w.serial+" is damaged", "mfacred totp set --profile "+w.profile)
	if n := w.sts.Count("GetSessionToken"); n != 0 {
		t.Fatalf("%d GetSessionToken with a damaged seed, want 0", n)
	}
}

// doctor bounds its calls to AWS and names the endpoint that did not answer.
func TestDoctorNamesEndpointThatHangs(t *testing.T) {
	t.Parallel() // waits out doctor's 10 s bound
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	w.sts.Inject(localsts.Fault{Action: "GetCallerIdentity", Hang: 5 * time.Minute})
	r := w.run(nil, nil, binary, "doctor", "--profile", w.profile)
	if want := "problem  STS: " + w.sts.URL + " did not answer GetCallerIdentity within 10s"; r.code != 1 || !strings.Contains(r.stdout, want) {
		t.Fatalf("doctor with a hung STS: exit %d\n%s%s\nwant a line %s", r.code, r.stdout, r.stderr, want)
	}
}

// A region the SDK would refuse is found before a code is taken: no code is recorded as used,
// so the call after the fix does not wait for the next one.
func TestBadRegionSpendsNoCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addKeys()
	write := func(region string) {
		cfg := "[profile " + w.profile + "]\nmfa_serial = " + w.serial + "\nregion = " + region + "\n" + w.mfaProcess() + "\n"
		if err := os.WriteFile(w.configPath(), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("us east 1")
	for _, args := range [][]string{
		{"process", "--profile", w.profile},
		{"exec", "--server", "--profile", w.profile, "--", "true"},
		{"exec", "--profile", w.profile, "--", "true"},
	} {
		r := w.run(nil, []string{"AWS_REGION="}, binary, args...)
		oneLineErr(t, r, "profile "+w.profile+`: region "us east 1" is not a region name`, w.configPath())
	}
	now := time.Now()
	for _, at := range []time.Time{now.Add(-30 * time.Second), now, now.Add(30 * time.Second)} {
		if _, used := w.store().CodeUsed(t.Context(), w.serial, localsts.Code(w.seed, at)); used {
			t.Fatal("a code was recorded as used for a call that could not succeed")
		}
	}
	write("eu-west-1")
	parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
}

// A keyring that never answers (here: a D-Bus socket that accepts and stays silent) costs the
// fast path at most its 1 s budget before mfacred-core takes over with its own 10 s bound and
// says what is wrong; before, each binary waited 10 s.
func TestHungKeyringFastPathGivesUpSoon(t *testing.T) {
	t.Parallel() // waits out the keyring's 10 s bound
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	bus := w.silentBus()
	r := w.run(nil, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus, "MFACRED_KEYRING=os"}, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "profile "+w.profile, "no answer within 10s")
	t.Logf("a call against a silent keyring took %s", r.took.Round(100*time.Millisecond))
	// 10 s in the core plus the fast path's budget, with room for a slow machine; two 10 s
	// waits would be 20 s.
	if r.took >= 18*time.Second {
		t.Fatalf("the call took %s: the fast path waited as long as the core", r.took)
	}
}

// A session due for renewal that cannot be renewed (no way to get a code, STS failing) is
// served while it lives longer than the SDKs' 10-minute limit, with a warning; with less it
// is not.
func TestUnrenewableSessionServedWhileSDKsAcceptIt(t *testing.T) {
	t.Parallel() // waits on the SDKs
	for _, tc := range []struct {
		name  string
		left  time.Duration
		code  bool // mfa_process set; else no terminal and no desktop: no code source
		fault bool // STS answers 503 throughout
		serve bool
	}{
		{"no code source, 12 min left", 12 * time.Minute, false, false, true},
		{"STS failing, 12 min left", 12 * time.Minute, true, true, true},
		{"no code source, 8 min left", 8 * time.Minute, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.code {
				w.writeConfig(w.mfaProcess())
			} else {
				w.writeConfig()
			}
			w.addKeys()
			before := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIADUE0000000000001", SecretAccessKey: "due-secret-0000000001", SessionToken: "due-token"},
				Expiration: time.Now().Add(tc.left).UTC().Truncate(time.Second), SourceKeyID: w.user.AccessKeyID, Source: w.profile, Device: w.serial}
			if err := w.store().PutSession(context.Background(), cache.SessionKey(w.profile, w.serial), before); err != nil {
				t.Fatal(err)
			}
			if tc.fault {
				w.sts.Inject(localsts.Fault{Action: "GetSessionToken", Status: 503, Code: "ServiceUnavailable", Message: "try later"})
			}
			r := w.run(nil, nil, binary, "process", "--profile", w.profile)
			if !tc.serve {
				oneLineErr(t, r, "profile "+w.profile, "no terminal")
				return
			}
			if r.err != nil || parseCreds(t, r.stdout).AccessKeyId != before.AccessKeyID {
				t.Fatalf("the session with %s left was not served: %v %s", tc.left, r.err, r.stderr)
			}
			if !strings.Contains(r.stderr, "serving the cached credentials, which expire in") {
				t.Fatalf("no warning on stderr: %q", r.stderr)
			}
		})
	}
}

// silentBus is the address of a D-Bus socket that accepts and never answers (a hung session
// bus), closed when the test ends.
func (w *world) silentBus() string {
	w.t.Helper()
	sock := filepath.Join(w.dir, "silent-bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	return "unix:path=" + sock
}
