//go:build unix

package e2e

import (
	"strings"
	"testing"
)

// add checks new keys with AWS before they replace anything: keys AWS rejects are not stored,
// and the old keys and their session keep working. remove takes the keys and their sessions
// away.
func TestAddChecksKeysFirstAndRemove(t *testing.T) {
	t.Parallel() // waits on the local STS
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	wrong := []string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + strings.Repeat("x", 40)}

	r := w.run(nil, wrong, binary, "add", w.profile, "--env")
	oneLineErr(t, r, "profile "+w.profile+": AWS rejects access key "+w.user.AccessKeyID, "nothing was stored")
	if again := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile)); again.AccessKeyId != first.AccessKeyId {
		t.Fatal("a rejected add replaced the keys: their session is gone")
	}
	// STS unreachable: nothing stored either, and the way out named.
	r = w.run(nil, append(wrong, "AWS_ENDPOINT_URL_STS=http://127.0.0.1:1"), binary, "add", w.profile, "--env")
	oneLineErr(t, r, "profile "+w.profile+": check the keys with AWS", "--no-verify")
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1: the old keys' session was lost", n)
	}

	r = w.run(nil, nil, binary, "remove", w.profile)
	if r.err != nil || r.stderr != "mfacred: removed the keys of profile "+w.profile+" and forgot 1 cached session(s)\n" {
		t.Fatalf("remove: %v %q", r.err, r.stderr)
	}
	if status := w.mustRun(binary, "status"); strings.Contains(status, w.serial) {
		t.Fatalf("status still lists the removed profile's session:\n%s", status)
	}
	r = w.run(nil, nil, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "mfacred add "+w.profile)
	r = w.run(nil, nil, binary, "remove", w.profile)
	oneLineErr(t, r, "profile "+w.profile+": no keys stored", "no cached sessions")

	// Offline: --no-verify stores without asking AWS.
	calls := w.sts.Count("GetCallerIdentity")
	r = w.run(nil, wrong, binary, "add", w.profile, "--env", "--no-verify")
	if r.err != nil || !strings.Contains(r.stderr, "unchecked") || w.sts.Count("GetCallerIdentity") != calls {
		t.Fatalf("add --no-verify: %v %q", r.err, r.stderr)
	}
}

// clear --profile reports what it forgot: one session the first time, none the second.
func TestClearCountsWhatItForgot(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	for _, want := range []string{"forgot 1 cached session(s)", "forgot 0 cached session(s)"} {
		r := w.run(nil, nil, binary, "clear", "--profile", w.profile)
		if r.err != nil || r.stderr != "mfacred: profile "+w.profile+": "+want+"\n" {
			t.Fatalf("clear --profile: %v %q, want %q", r.err, r.stderr, want)
		}
	}
}
