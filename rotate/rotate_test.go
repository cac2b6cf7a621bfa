package rotate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cachetest"
	"github.com/mfacred/mfacred/keyring"
	"github.com/mfacred/mfacred/localsts"
	"github.com/mfacred/mfacred/rotate"
	"github.com/mfacred/mfacred/session"
)

const (
	serial = "arn:aws:iam::123456789012:mfa/phone"
	seed   = "JBSWY3DPEHPK3PXP"
)

// faultyKeyring is an in-memory keyring whose writes of the profile's keys can be made to fail or
// to do something first (a Ctrl-C).
type faultyKeyring struct {
	*cachetest.Keyring
	onSetKeys    func() error // before the write; an error: not written
	afterSetKeys func() error // after the write
}

func (k *faultyKeyring) Set(ctx context.Context, service, user, secret string) error {
	keys := user == string(cache.KeysKey("work"))
	if k.onSetKeys != nil && keys {
		if err := k.onSetKeys(); err != nil {
			return err
		}
	}
	if err := k.Keyring.Set(ctx, service, user, secret); err != nil || k.afterSetKeys == nil || !keys {
		return err
	}
	return k.afterSetKeys()
}

// world is the user alice on a local STS/IAM, her keys stored for profile work, the device's
// seed stored (so codes come without a person), and a cached MFA session made with the keys.
type world struct {
	t       *testing.T
	sts     *localsts.Server
	user    localsts.User
	kr      *faultyKeyring
	store   *cache.Store
	log     bytes.Buffer
	session cache.Entry
}

func newWorld(t *testing.T, config string) *world {
	w := &world{t: t, user: localsts.User{
		Name: "alice", Account: "123456789012",
		AccessKeyID: "AKIAROTATETEST000001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYrotate01",
		Devices: []localsts.Device{{Serial: serial, Seed: seed}},
	}}
	w.sts = localsts.New(w.user)
	t.Cleanup(w.sts.Close)
	dir := t.TempDir()
	if config == "" {
		config = "[profile work]\nmfa_serial = " + serial + "\nregion = us-east-1\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ENDPOINT_URL_STS", w.sts.URL)
	t.Setenv("AWS_ENDPOINT_URL_IAM", w.sts.URL)
	w.kr = &faultyKeyring{Keyring: &cachetest.Keyring{}}
	w.store = &cache.Store{Keyring: w.kr, LockDir: filepath.Join(dir, "locks")}
	ctx := t.Context()
	if err := w.store.PutKeys(ctx, "work", cache.Credentials{AccessKeyID: w.user.AccessKeyID, SecretAccessKey: w.user.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	if err := w.store.PutSeed(ctx, serial, seed); err != nil {
		t.Fatal(err)
	}
	_, out, err := session.OfProfile(ctx, w.store, "work")
	if err != nil {
		t.Fatal(err)
	}
	w.session = out.Entry
	return w
}

func (w *world) run(ctx context.Context) error {
	w.t.Helper()
	err := rotate.Run(ctx, w.store, "work", &w.log)
	// Key ids only, never a secret, in what is said.
	said := w.log.String()
	if err != nil {
		said += err.Error()
	}
	for _, s := range w.sts.Secrets() {
		if strings.Contains(said, s) {
			w.t.Fatalf("a secret in the output:\n%s", said)
		}
	}
	return err
}

func (w *world) storedKey() string {
	w.t.Helper()
	k, err := w.store.Keys(context.Background(), "work")
	if err != nil {
		w.t.Fatal(err)
	}
	return k.AccessKeyID
}

// atAWS is the user's keys at AWS now.
func (w *world) atAWS() []string { return w.sts.AccessKeys(w.storedKey()) }

// sessionServes says whether the MFA session cached before the rotation is still what
// process serves, with no new GetSessionToken.
func (w *world) sessionServes() bool {
	w.t.Helper()
	calls := w.sts.Count("GetSessionToken")
	_, out, err := session.OfProfile(context.Background(), w.store, "work")
	if err != nil {
		w.t.Fatal(err)
	}
	return out.AccessKeyID == w.session.AccessKeyID && w.sts.Count("GetSessionToken") == calls
}

func says(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one that says %q", want)
	}
	for _, s := range want {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not say %q", err, s)
		}
	}
}

// The new key is made with the cached MFA session (no code), stored in place of the old one,
// and the old one is deleted at AWS; the session made with the old key still serves.
func TestRotate(t *testing.T) {
	w := newWorld(t, "")
	codes := len(w.sts.Codes("GetSessionToken"))
	if err := w.run(t.Context()); err != nil {
		t.Fatal(err)
	}
	fresh := w.storedKey()
	if fresh == w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{fresh}) {
		t.Fatalf("stored %s, keys at AWS %v; want only the new key", fresh, w.atAWS())
	}
	if w.sts.Caller(w.user.AccessKeyID) != "" {
		t.Fatal("the old key still works at AWS")
	}
	if n := len(w.sts.Codes("GetSessionToken")); n != codes {
		t.Fatalf("%d codes sent, want none: the cached MFA session serves", n-codes)
	}
	if !w.sessionServes() {
		t.Fatal("the session made with the old key is no longer served")
	}
	for _, want := range []string{"created access key " + fresh, "stored access key " + fresh, "deleted the old access key " + w.user.AccessKeyID} {
		if !strings.Contains(w.log.String(), want) {
			t.Fatalf("log %q does not say %q", w.log.String(), want)
		}
	}
}

// A user with two keys is told so, naming both and the one in use; nothing changes.
func TestTwoKeys(t *testing.T) {
	w := newWorld(t, "")
	other, _ := w.sts.AddAccessKey(w.user.AccessKeyID)
	err := w.run(t.Context())
	var two *rotate.TwoKeysError
	if !errors.As(err, &two) || !errors.Is(err, rotate.ErrTwoKeys) {
		t.Fatalf("err = %v, want a TwoKeysError", err)
	}
	says(t, err, w.user.AccessKeyID+" (stored for profile work, in use)", other+" (not stored by mfacred)", "nothing was changed",
		"aws iam delete-access-key --access-key-id "+other+" --profile work")
	if w.storedKey() != w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{w.user.AccessKeyID, other}) || w.sts.Count("CreateAccessKey") != 0 {
		t.Fatalf("stored %s, keys at AWS %v, %d CreateAccessKey: something changed", w.storedKey(), w.atAWS(), w.sts.Count("CreateAccessKey"))
	}
}

// A new key AWS refuses for a while is tried again until it is accepted.
func TestWaitsForTheNewKey(t *testing.T) {
	w := newWorld(t, "")
	w.sts.SetKeyDelay(2500 * time.Millisecond)
	start := time.Now()
	if err := w.run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2500*time.Millisecond || w.sts.Count("GetCallerIdentity") < 3 {
		t.Fatalf("took %s with %d GetCallerIdentity: the new key was not waited for", took, w.sts.Count("GetCallerIdentity"))
	}
	if fresh := w.storedKey(); fresh == w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{fresh}) {
		t.Fatalf("stored %s, keys at AWS %v", fresh, w.atAWS())
	}
}

// Ctrl-C while the new key is not accepted yet: the new key is deleted again, within a second,
// and the old one stays stored.
func TestInterruptedBeforeStoring(t *testing.T) {
	w := newWorld(t, "")
	w.sts.SetKeyDelay(time.Hour)
	ctx, cancel := context.WithCancelCause(t.Context())
	w.sts.BeforeKeyAnswer("CreateAccessKey", func() { time.AfterFunc(300*time.Millisecond, func() { cancel(errors.New("interrupt")) }) })
	start := time.Now()
	err := w.run(ctx)
	says(t, err, "the new access key", "was not accepted yet", "it was deleted again", "access key "+w.user.AccessKeyID+" stays stored for profile work and works")
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
	if w.storedKey() != w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{w.user.AccessKeyID}) {
		t.Fatalf("stored %s, keys at AWS %v; want the old key alone", w.storedKey(), w.atAWS())
	}
}

// A keyring that fails to store the new key: the new key is deleted again, the old one stays.
func TestStoreFails(t *testing.T) {
	w := newWorld(t, "")
	w.kr.onSetKeys = func() error { return errors.New("the keyring is locked") }
	err := w.run(t.Context())
	says(t, err, "could not be stored in the keyring (store keys for profile work: the keyring is locked)", "it was deleted again",
		"access key "+w.user.AccessKeyID+" stays stored for profile work and works")
	if w.storedKey() != w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{w.user.AccessKeyID}) || w.sts.Count("CreateAccessKey") != 1 {
		t.Fatalf("stored %s, keys at AWS %v", w.storedKey(), w.atAWS())
	}
	if !w.sessionServes() {
		t.Fatal("the session is no longer served")
	}
}

// Ctrl-C while the new key is being stored: it is stored, and the old key, not deleted, is
// named with the command that deletes it.
func TestInterruptedAfterStoring(t *testing.T) {
	w := newWorld(t, "")
	ctx, cancel := context.WithCancelCause(t.Context())
	w.kr.onSetKeys = func() error { cancel(errors.New("interrupt")); return nil }
	err := w.run(ctx)
	fresh := w.storedKey()
	says(t, err, "interrupted after access key "+fresh+" was stored for profile work, which works",
		"the old key "+w.user.AccessKeyID+" still exists at AWS", "aws iam delete-access-key --access-key-id "+w.user.AccessKeyID+" --profile work")
	if fresh == w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{w.user.AccessKeyID, fresh}) || w.sts.Count("DeleteAccessKey") != 0 {
		t.Fatalf("stored %s, keys at AWS %v", fresh, w.atAWS())
	}
}

// DeleteAccessKey failing: the new key is stored and works; the old one is named.
func TestDeleteFails(t *testing.T) {
	w := newWorld(t, "")
	w.sts.Inject(localsts.Fault{Action: "DeleteAccessKey", Status: 403, Code: "AccessDenied", Message: "not authorized to perform: iam:DeleteAccessKey"})
	err := w.run(t.Context())
	fresh := w.storedKey()
	says(t, err, "access key "+fresh+" is stored for profile work and works, but deleting the old key "+w.user.AccessKeyID+" failed",
		"AccessDenied", "aws iam delete-access-key --access-key-id "+w.user.AccessKeyID+" --profile work")
	if !slices.Equal(w.atAWS(), []string{w.user.AccessKeyID, fresh}) {
		t.Fatalf("keys at AWS %v", w.atAWS())
	}
}

// Keys in the credentials file are refused: mfacred writes no secret to a file. So are keys
// the file holds beside the keyring's (the file would keep a deleted key).
func TestFileKeysRefused(t *testing.T) {
	w := newWorld(t, "")
	creds := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if err := os.WriteFile(creds, []byte("[work]\naws_access_key_id = "+w.user.AccessKeyID+"\naws_secret_access_key = "+w.user.SecretAccessKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	says(t, w.run(t.Context()), "holds access key "+w.user.AccessKeyID+" too", "nothing was changed")
	if err := w.store.DeleteKeys(t.Context(), "work"); err != nil {
		t.Fatal(err)
	}
	says(t, w.run(t.Context()), "the keys of profile work are in "+creds+", not in the keyring", "mfacred writes no secret to a file")
	if w.sts.Count("CreateAccessKey") != 0 || w.sts.Count("ListAccessKeys") != 0 {
		t.Fatal("IAM was called")
	}
}

// A role profile rotates its source's key with the user's MFA session on the device (not the
// role's credentials), and the role credentials cached before still serve.
func TestRoleProfileRotatesItsSource(t *testing.T) {
	role := "arn:aws:iam::222222222222:role/Admin"
	w := newWorld(t, "[profile work]\nmfa_serial = "+serial+"\nregion = us-east-1\n\n[profile prod]\nmfacred_source_profile = work\nmfacred_role_arn = "+role+"\n")
	w.sts.AddRole(localsts.Role{ARN: role, RequireMFA: true})
	_, before, err := session.OfProfile(t.Context(), w.store, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if err := rotate.Run(t.Context(), w.store, "prod", &w.log); err != nil {
		t.Fatal(err)
	}
	if fresh := w.storedKey(); fresh == w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{fresh}) {
		t.Fatalf("stored %s, keys at AWS %v", fresh, w.atAWS())
	}
	roles := w.sts.Count("AssumeRole")
	_, after, err := session.OfProfile(t.Context(), w.store, "prod")
	if err != nil || after.AccessKeyID != before.AccessKeyID || after.SourceKeyID != w.user.AccessKeyID || w.sts.Count("AssumeRole") != roles {
		t.Fatalf("the role credentials made with the old key are no longer served (%v)", err)
	}
}

// A keyring that wrote the new key but did not answer in time: read back, the new key is found
// stored, and the rotation goes on.
func TestStoreUnansweredButWritten(t *testing.T) {
	w := newWorld(t, "")
	w.kr.afterSetKeys = func() error { return fmt.Errorf("%w: %w within 10s", keyring.ErrNoKeyring, keyring.ErrNoAnswer) }
	if err := w.run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if fresh := w.storedKey(); fresh == w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{fresh}) {
		t.Fatalf("stored %s, keys at AWS %v", fresh, w.atAWS())
	}
}

// Ctrl-C while AWS makes the new key: the answer is lost, so the keys are listed again and the
// key AWS made is deleted again; the old one stays.
func TestInterruptedWhileCreating(t *testing.T) {
	w := newWorld(t, "")
	ctx, cancel := context.WithCancelCause(t.Context())
	w.sts.BeforeKeyAnswer("CreateAccessKey", func() { cancel(errors.New("interrupt")); time.Sleep(200 * time.Millisecond) })
	err := w.run(ctx)
	made := w.sts.Count("CreateAccessKey")
	says(t, err, "interrupted while AWS made a new access key: AWS made access key AKIA", "and it was deleted again",
		"access key "+w.user.AccessKeyID+" stays stored for profile work and works")
	if made != 1 || w.storedKey() != w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{w.user.AccessKeyID}) {
		t.Fatalf("stored %s, keys at AWS %v", w.storedKey(), w.atAWS())
	}
}

// Two rotations at once take turns: the second rotates the first's new key, and no key is left
// at AWS stored nowhere.
func TestRotationsTakeTurns(t *testing.T) {
	w := newWorld(t, "")
	w.sts.SetKeyDelay(500 * time.Millisecond) // the first is still at work when the second starts
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- rotate.Run(t.Context(), w.store, "work", &bytes.Buffer{}) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	fresh := w.storedKey()
	if w.sts.Count("CreateAccessKey") != 2 || fresh == w.user.AccessKeyID || !slices.Equal(w.atAWS(), []string{fresh}) {
		t.Fatalf("%d keys made, stored %s, keys at AWS %v", w.sts.Count("CreateAccessKey"), fresh, w.atAWS())
	}
}

// What has no key of its own in the keyring is refused before anything is asked of AWS: an
// aws login profile, a keyring that holds sessions only, a profile without stored keys.
func TestNothingToRotate(t *testing.T) {
	w := newWorld(t, "[profile work]\nmfa_serial = "+serial+"\nregion = us-east-1\n\n[profile me]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = us-east-1\n\n[profile bare]\nmfa_serial = "+serial+"\n")
	says(t, rotate.Run(t.Context(), w.store, "me", &w.log), "profile me: its credentials come from the aws login session of profile me, which has no access key to rotate")
	says(t, rotate.Run(t.Context(), w.store, "bare", &w.log), "no keys of profile bare stored in the keyring", "`mfacred add bare`")
	kernel := &cache.Store{Keyring: sessionsOnly{w.kr}, LockDir: w.store.LockDir}
	says(t, rotate.Run(t.Context(), kernel, "work", &w.log), "holds sessions only", "mfacred writes no secret to a file")
	if n := w.sts.Count("ListAccessKeys") + w.sts.Count("CreateAccessKey"); n != 0 {
		t.Fatalf("%d IAM calls", n)
	}
}

// sessionsOnly is a keyring that holds sessions only, as the kernel keyring.
type sessionsOnly struct{ *faultyKeyring }

func (sessionsOnly) SessionsOnly(context.Context) bool { return true }
