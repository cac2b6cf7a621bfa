//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/localsts"
)

// rotateWorld is a world whose keys are stored with `mfacred add` and whose MFA session is
// cached by a first call of the AWS CLI.
func rotateWorld(t *testing.T) (*world, string) {
	t.Helper()
	aws := awsCLIv2(t)
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	w.coldCall(aws, w.profile)
	return w, aws
}

// noSecret fails when any secret the local STS/IAM knows (keys old and new, session keys and
// tokens, seeds) is in what mfacred printed.
func (w *world) noSecret(printed ...string) {
	w.t.Helper()
	for _, s := range w.sts.Secrets() {
		for _, p := range printed {
			if len(s) >= 16 && strings.Contains(p, s) {
				w.t.Fatalf("a secret in mfacred's output: %q", p)
			}
		}
	}
}

// stored is the access key id stored in the keyring for the world's profile.
func (w *world) stored() string {
	w.t.Helper()
	k, err := w.store().Keys(context.Background(), w.profile)
	if err != nil {
		w.t.Fatal(err)
	}
	return k.AccessKeyID
}

// session is the world's cached MFA session.
func (w *world) session() cache.Entry {
	w.t.Helper()
	e, err := w.store().Session(context.Background(), cache.SessionKey(w.profile, w.serial))
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

// rotated checks the outcome of a rotation that went through: one new key, stored, alone at
// AWS; the old key refused by the AWS CLI; the session made with the old key still served (no
// new GetSessionToken); and, once forgotten, a new session made with the new key by the AWS
// CLI's call through the profile.
func (w *world) rotated(aws string) {
	w.t.Helper()
	old, fresh := w.user.AccessKeyID, w.stored()
	if fresh == old || !slices.Equal(w.sts.AccessKeys(fresh), []string{fresh}) {
		w.t.Fatalf("stored %s, keys at AWS %v: want the new key alone", fresh, w.sts.AccessKeys(fresh))
	}
	r := w.run(nil, []string{"AWS_ACCESS_KEY_ID=" + old, "AWS_SECRET_ACCESS_KEY=" + w.user.SecretAccessKey},
		aws, "sts", "get-caller-identity", "--endpoint-url", w.sts.URL)
	if r.err == nil || !strings.Contains(r.stderr, "InvalidClientTokenId") {
		w.t.Fatalf("the old key still works: %v %s %s", r.err, r.stdout, r.stderr)
	}
	sessions, before := w.sts.Count("GetSessionToken"), w.session()
	w.coldCall(aws, w.profile)
	if c := parseCreds(w.t, w.mustRun(binary, "process", "--profile", w.profile)); c.AccessKeyId != before.AccessKeyID || w.sts.Count("GetSessionToken") != sessions {
		w.t.Fatal("the session made with the old key is no longer served")
	}
	w.mustRun(binary, "clear", "--profile", w.profile)
	w.coldCall(aws, w.profile)
	if after := w.session(); w.sts.Count("GetSessionToken") != sessions+1 || after.SourceKeyID != fresh {
		w.t.Fatalf("the next session was made with %s, want the new key %s", after.SourceKeyID, fresh)
	}
}

// rotate through the real binary: the new key works for the AWS CLI as the profile, the old
// one is refused, the cached session keeps serving; no code is spent (the session is cached)
// and no secret is printed.
func TestRotate(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	w, aws := rotateWorld(t)
	r := w.run(nil, nil, binary, "rotate", "--profile", w.profile)
	if r.err != nil || r.stdout != "" {
		t.Fatalf("rotate: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	w.noSecret(r.stdout, r.stderr)
	fresh := w.stored()
	for _, want := range []string{"created access key " + fresh + " for user alice", "stored access key " + fresh + " for profile " + w.profile,
		"deleted the old access key " + w.user.AccessKeyID} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("rotate said\n%s\nwant it to say %q", r.stderr, want)
		}
	}
	if n := len(w.sts.Codes("GetSessionToken")); n != 1 {
		t.Fatalf("%d codes sent in all, want the first call's only", n)
	}
	w.rotated(aws)
}

// keyringItems reads every keyring item of the world (its profile's and device's), by name.
func (w *world) keyringItems() map[string]string {
	w.t.Helper()
	ctx := context.Background()
	kr := busKeyring{busAddr}
	names, err := kr.List(ctx, cache.Service)
	if err != nil {
		w.t.Fatal(err)
	}
	mine := regexp.MustCompile(regexp.QuoteMeta(w.profile) + `(\D|$)`)
	items := map[string]string{}
	for _, n := range names {
		if mine.MatchString(n) {
			if items[n], err = kr.Get(ctx, cache.Service, n); err != nil {
				w.t.Fatal(err)
			}
		}
	}
	return items
}

// A user with two keys already is told so in one line that names both and the one in use;
// the keyring's items and the keys at AWS are as before.
func TestRotateTwoKeys(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	w, _ := rotateWorld(t)
	other, _ := w.sts.AddAccessKey(w.user.AccessKeyID)
	items, keys := w.keyringItems(), w.sts.AccessKeys(other)
	r := w.run(nil, nil, binary, "rotate", "--profile", w.profile)
	oneLineErr(t, r, "user alice has two access keys already", w.user.AccessKeyID+" (stored for profile "+w.profile+", in use)",
		other+" (not stored by mfacred)", "nothing was changed", "aws iam delete-access-key --access-key-id "+other+" --profile "+w.profile)
	w.noSecret(r.stderr)
	if after := w.keyringItems(); len(items) < 2 || !mapsEqual(items, after) {
		t.Fatalf("keyring items changed: %d before, %d after", len(items), len(after))
	}
	if !slices.Equal(keys, w.sts.AccessKeys(other)) || w.sts.Count("CreateAccessKey") != 0 {
		t.Fatalf("keys at AWS %v, before %v", w.sts.AccessKeys(other), keys)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// startRotate starts `mfacred rotate` in the world, with its output kept.
func (w *world) startRotate() (*exec.Cmd, *bytes.Buffer) {
	w.t.Helper()
	cmd := exec.Command(binary, "rotate", "--profile", w.profile)
	cmd.Env = w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &out
}

// waitFor waits at most 30 s for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: not within 30 s", what)
		}
	}
}

// interrupted sends SIGINT to cmd and checks that it ends within signalBound with status 130
// and, as its last line, an error that says each of want.
func (w *world) interrupted(cmd *exec.Cmd, out *bytes.Buffer, want ...string) {
	w.t.Helper()
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		w.t.Fatal(err)
	}
	code := waitExit(w.t, cmd, 10*time.Second)
	took := time.Since(start)
	w.noSecret(out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if code != 130 || took > signalBound {
		w.t.Fatalf("exit %d %s after SIGINT, want 130 within %s:\n%s", code, took, signalBound, out)
	}
	for _, s := range want {
		if !strings.Contains(last, s) {
			w.t.Fatalf("last line %q does not say %q", last, s)
		}
	}
	w.t.Logf("ended %s after SIGINT", took.Round(time.Millisecond))
}

// Each step of rotate interrupted or failing leaves one working key stored and says which key
// is where: the key stored works (the AWS CLI calls through the profile once its session is
// forgotten), and a key stored nowhere is either deleted or named with its delete command.
func TestRotateInterrupted(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	old := func(w *world) string { return w.user.AccessKeyID }
	// works checks that the stored key is want and that a new session is made with it.
	works := func(w *world, aws, want string) {
		w.t.Helper()
		if got := w.stored(); got != want {
			w.t.Fatalf("stored %s, want %s", got, want)
		}
		w.mustRun(binary, "clear", "--profile", w.profile)
		w.coldCall(aws, w.profile)
		if e := w.session(); e.SourceKeyID != want {
			w.t.Fatalf("new session made with %s, want %s", e.SourceKeyID, want)
		}
	}

	t.Run("while AWS makes the key", func(t *testing.T) {
		t.Parallel()
		w, aws := rotateWorld(t)
		var pid atomic.Int64
		w.sts.BeforeKeyAnswer("CreateAccessKey", func() {
			syscall.Kill(int(pid.Load()), syscall.SIGINT)
			time.Sleep(300 * time.Millisecond) // the answer comes after the caller gave up
		})
		cmd, out := w.startRotate()
		pid.Store(int64(cmd.Process.Pid))
		code := waitExit(t, cmd, 10*time.Second)
		w.noSecret(out.String())
		if code != 130 || !strings.Contains(out.String(), "interrupted while AWS made a new access key: AWS made access key ") ||
			!strings.Contains(out.String(), "and it was deleted again; access key "+old(w)+" stays stored") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if keys := w.sts.AccessKeys(old(w)); !slices.Equal(keys, []string{old(w)}) || w.sts.Count("CreateAccessKey") != 1 {
			t.Fatalf("keys at AWS %v", keys)
		}
		works(w, aws, old(w))
	})

	t.Run("before the new key is accepted", func(t *testing.T) {
		t.Parallel()
		w, aws := rotateWorld(t)
		w.sts.SetKeyDelay(time.Hour)
		calls := w.sts.Count("GetCallerIdentity")
		cmd, out := w.startRotate()
		waitFor(t, "the new key tried", func() bool {
			return w.sts.Count("CreateAccessKey") == 1 && w.sts.Count("GetCallerIdentity") > calls
		})
		w.interrupted(cmd, out, "was not accepted yet", "it was deleted again: access key "+old(w)+" stays stored for profile "+w.profile+" and works")
		if keys := w.sts.AccessKeys(old(w)); !slices.Equal(keys, []string{old(w)}) {
			t.Fatalf("keys at AWS %v", keys)
		}
		works(w, aws, old(w))
	})

	t.Run("while the old key is deleted", func(t *testing.T) {
		t.Parallel()
		w, aws := rotateWorld(t)
		w.sts.Inject(localsts.Fault{Action: "DeleteAccessKey", Hang: time.Minute})
		cmd, out := w.startRotate()
		waitFor(t, "the old key's deletion asked", func() bool { return w.sts.Count("DeleteAccessKey") == 1 })
		fresh := w.stored()
		w.interrupted(cmd, out, "interrupted while deleting the old access key "+old(w), "access key "+fresh+" is stored for profile "+w.profile+" and works",
			"aws iam delete-access-key --access-key-id "+old(w)+" --profile "+w.profile)
		if keys := w.sts.AccessKeys(fresh); !slices.Equal(keys, []string{old(w), fresh}) {
			t.Fatalf("keys at AWS %v", keys)
		}
		w.sts.ClearFaults()
		works(w, aws, fresh)
	})

	t.Run("the old key's deletion refused", func(t *testing.T) {
		t.Parallel()
		w, aws := rotateWorld(t)
		w.sts.Inject(localsts.Fault{Action: "DeleteAccessKey", Status: 403, Code: "AccessDenied", Message: "not authorized to perform: iam:DeleteAccessKey"})
		r := w.run(nil, nil, binary, "rotate", "--profile", w.profile)
		w.noSecret(r.stdout, r.stderr)
		fresh := w.stored()
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		last := lines[len(lines)-1]
		for _, s := range []string{"access key " + fresh + " is stored for profile " + w.profile + " and works, but deleting the old key " + old(w) + " failed",
			"AccessDenied", "it still exists at AWS, stored nowhere: delete it with `aws iam delete-access-key --access-key-id " + old(w) + " --profile " + w.profile + "`"} {
			if r.code != 1 || !strings.Contains(last, s) {
				t.Fatalf("exit %d, last line %q does not say %q", r.code, last, s)
			}
		}
		if keys := w.sts.AccessKeys(fresh); !slices.Equal(keys, []string{old(w), fresh}) {
			t.Fatalf("keys at AWS %v", keys)
		}
		w.sts.ClearFaults()
		works(w, aws, fresh)
		// Done as the line says, through the profile: one key is left, the stored one.
		r = w.run(nil, nil, aws, "iam", "delete-access-key", "--access-key-id", old(w), "--profile", w.profile, "--endpoint-url", w.sts.URL)
		if r.err != nil || !slices.Equal(w.sts.AccessKeys(fresh), []string{fresh}) {
			t.Fatalf("the command rotate named: %v %s", r.err, r.stderr)
		}
	})
}

// A keyring that cannot store the new key (its collection locked once the key was made): the
// new key is deleted again at AWS and the line says the old one stays stored.
func TestRotateKeyringFailsToStore(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	aws := awsCLIv2(t)
	w := newWorld(t)
	bus, stop := w.ownKeyring(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	w.coldCall(aws, w.profile)
	w.sts.BeforeKeyAnswer("CreateAccessKey", func() {
		if err := lockKeyring(bus); err != nil {
			t.Error(err)
		}
	})
	r := w.run(nil, nil, binary, "rotate", "--profile", w.profile)
	w.noSecret(r.stdout, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	for _, s := range []string{"could not be stored in the keyring", "the keyring is locked", "it was deleted again: access key " + w.user.AccessKeyID + " stays stored for profile " + w.profile + " and works"} {
		if r.code != 1 || !strings.Contains(last, s) {
			t.Fatalf("exit %d, last line %q does not say %q", r.code, last, s)
		}
	}
	if keys := w.sts.AccessKeys(w.user.AccessKeyID); !slices.Equal(keys, []string{w.user.AccessKeyID}) || w.sts.Count("CreateAccessKey") != 1 {
		t.Fatalf("keys at AWS %v", keys)
	}
	// A collection locked over D-Bus cannot be unlocked again without a desktop's prompter: a
	// new gnome-keyring on the same files, unlocked with the password, shows what it holds.
	stop()
	bus, _ = w.ownKeyring(t)
	raw, err := busKeyring{bus}.Get(context.Background(), cache.Service, string(cache.KeysKey(w.profile)))
	if err != nil || !strings.Contains(raw, `"k":"`+w.user.AccessKeyID+`"`) {
		t.Fatalf("the keyring holds %v %v, want the old key", len(raw), err)
	}
	w.mustRun(binary, "clear", "--profile", w.profile)
	w.coldCall(aws, w.profile)
}
