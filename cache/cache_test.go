package cache

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func newStore(t *testing.T) *Store {
	return &Store{Keyring: mapKeyring{}, LockDir: filepath.Join(t.TempDir(), "mfacred")}
}

func TestSessionRoundTripAndIndex(t *testing.T) {
	s := newStore(t)
	k := SessionKey("work", "arn:aws:iam::1:mfa/phone")
	e := Entry{Credentials: Credentials{"ASIA1", "s", "t"}, Expiration: time.Unix(2000000000, 0).UTC(), SourceKeyID: "AKIA1", Source: "work", Device: "arn:aws:iam::1:mfa/phone"}
	if err := s.PutSession(ctx, k, e); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, k)
	if err != nil || got != e {
		t.Fatalf("%+v %v", got, err)
	}
	keys, _ := s.Sessions(ctx)
	if len(keys) != 1 || keys[0] != k {
		t.Fatalf("index %v", keys)
	}
	if err := s.DeleteSession(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, k); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// A damaged or foreign item, or one of another format version, is a miss, never a crash.
func TestDamagedItemsAreMisses(t *testing.T) {
	for name, raw := range map[string]string{
		"garbage":      "\x00\x01not json",
		"other format": `{"v":0,"k":"ASIA","s":"s","t":"t","e":"2030-01-01T00:00:00Z"}`,
		"future":       `{"v":2,"k":"ASIA","s":"s","t":"t","e":"2030-01-01T00:00:00Z"}`,
		"no key":       `{"v":1,"e":"2030-01-01T00:00:00Z"}`,
		"no expiry":    `{"v":1,"k":"ASIA"}`,
	} {
		s := newStore(t)
		k := SessionKey("p", "d")
		_ = s.Keyring.Set(ctx, Service, string(k), raw)
		if _, err := s.Session(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPutKeysDropsSessionsOfOldKeys(t *testing.T) {
	s := newStore(t)
	_ = s.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"})
	_ = s.PutSession(ctx, SessionKey("work", "d1"), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now()})
	_ = s.PutSession(ctx, SessionKey("work2", "d1"), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now()})
	_ = s.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"}) // same keys: keep
	if keys, _ := s.Sessions(ctx); len(keys) != 2 {
		t.Fatalf("same keys dropped sessions: %v", keys)
	}
	_ = s.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIA2", SecretAccessKey: "y"})
	keys, _ := s.Sessions(ctx)
	if len(keys) != 1 || keys[0] != SessionKey("work2", "d1") {
		t.Fatalf("sessions after replacing keys: %v", keys)
	}
}

// Replaced keys also drop the role credentials made from them and the cached identity, and
// leave other sources' items alone.
func TestPutKeysDropsRolesAndIdentity(t *testing.T) {
	s := newStore(t)
	_ = s.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"})
	exp := time.Now().Add(time.Hour)
	role := RoleKey("work", "d1", "arn:aws:iam::222222222222:role/Admin", "", "", false)
	other := RoleKey("work2", "d1", "arn:aws:iam::222222222222:role/Admin", "", "", false)
	for _, k := range []Key{role, other} {
		if err := s.PutSession(ctx, k, Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: exp}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.PutIdentity(ctx, IdentityKey("work", "AKIA1"), "arn:aws:iam::1:user/alice")
	if arn, err := s.Identity(ctx, IdentityKey("work", "AKIA1")); err != nil || arn != "arn:aws:iam::1:user/alice" {
		t.Fatalf("identity %q %v", arn, err)
	}
	_ = s.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIA2", SecretAccessKey: "y"})
	if all, _ := s.Cached(ctx); len(all) != 1 || all[0] != other {
		t.Fatalf("cached after replacing keys: %v", all)
	}
	if _, err := s.Session(ctx, role); !errors.Is(err, ErrNotFound) {
		t.Fatalf("role credentials of old keys still there: %v", err)
	}
}

// Item names are stored unencrypted: an external id appears only hashed, and each part of
// the key tells credentials apart.
func TestRoleKey(t *testing.T) {
	k := RoleKey("work", "arn:aws:iam::1:mfa/phone", "arn:aws:iam::2:role/R", "vendor-secret-ext", "alice", false)
	if strings.Contains(string(k), "vendor-secret-ext") || !k.IsRole() {
		t.Fatalf("key %s", k)
	}
	seen := map[Key]bool{k: true}
	for _, o := range []Key{
		RoleKey("work", "arn:aws:iam::1:mfa/phone", "arn:aws:iam::2:role/R", "other", "alice", false),
		RoleKey("work", "arn:aws:iam::1:mfa/phone", "arn:aws:iam::2:role/R", "vendor-secret-ext", "bob", false),
		RoleKey("work", "arn:aws:iam::1:mfa/phone", "arn:aws:iam::2:role/R", "vendor-secret-ext", "alice", true),
		RoleKey("work", "arn:aws:iam::1:mfa/phone", "arn:aws:iam::2:role/S", "vendor-secret-ext", "alice", false),
		RoleKey("work", "arn:aws:iam::1:mfa/tablet", "arn:aws:iam::2:role/R", "vendor-secret-ext", "alice", false),
	} {
		if seen[o] {
			t.Fatalf("two role sessions share key %s", o)
		}
		seen[o] = true
	}
}

func TestLockExcludesAndTimesOut(t *testing.T) {
	s := newStore(t)
	l, err := s.lock(ctx, "device|d", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	other := &Store{Keyring: s.Keyring, LockDir: s.LockDir}
	if _, err := other.lock(ctx, "device|d", 100*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("second holder: %v", err)
	}
	l.Close()
	l2, err := other.lock(ctx, "device|d", 100*time.Millisecond)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Close()
	// Windows has no modes; its lock dir's access list is checked by TestWindowsLockDirCheck.
	if fi, _ := os.Stat(s.LockDir); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Fatalf("lock dir mode %v", fi.Mode().Perm())
	}
}

func TestLockDirWritableByOthersRefused(t *testing.T) {
	s := newStore(t)
	if err := os.MkdirAll(s.LockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(s.LockDir, 0o777)
	if _, err := s.lock(ctx, "x", time.Second); err == nil {
		t.Fatal("used a world-writable lock dir")
	}
}

func TestCodeUsed(t *testing.T) {
	s := newStore(t)
	at := time.Unix(1000, 0)
	if _, used := s.CodeUsed(ctx, "d", "123456"); used {
		t.Fatal("fresh store says used")
	}
	if err := s.MarkCodeUsed(ctx, "d", "123456", at); err != nil {
		t.Fatal(err)
	}
	if got, used := s.CodeUsed(ctx, "d", "123456"); !used || !got.Equal(at) {
		t.Fatalf("%v %v", got, used)
	}
	if _, used := s.CodeUsed(ctx, "d", "654321"); used {
		t.Fatal("other code says used")
	}
	if _, used := s.CodeUsed(ctx, "other", "123456"); used {
		t.Fatal("other device says used")
	}
}

// LockOrWait: the first caller holds the lock; the others wait until it is released and are
// told so (Released, no lock), then it is free again.
func TestLockOrWait(t *testing.T) {
	s := newStore(t)
	turn, err := s.LockOrWait(ctx, "device|d", time.Second)
	if err != nil || turn.Lock == nil || turn.Released {
		t.Fatalf("free lock not taken: %+v %v", turn, err)
	}
	held := turn.Lock
	done := make(chan time.Time, 3)
	for i := 0; i < 3; i++ {
		go func() {
			w, err := (&Store{Keyring: s.Keyring, LockDir: s.LockDir}).LockOrWait(ctx, "device|d", 5*time.Second)
			if err != nil || w.Lock != nil || !w.Released {
				t.Errorf("waiter: %+v %v", w, err)
			}
			done <- time.Now()
		}()
	}
	time.Sleep(200 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("a waiter returned while the lock was held")
	default:
	}
	at := time.Now()
	held.Close()
	for i := 0; i < 3; i++ {
		if woke := <-done; woke.Before(at) {
			t.Fatalf("waiter %d returned before the release", i)
		}
	}
	again, err := s.LockOrWait(ctx, "device|d", time.Second)
	if err != nil || again.Lock == nil {
		t.Fatalf("released lock not taken: %+v %v", again, err)
	}
	again.Lock.Close()
}

// A symlink planted where a lock or used-code file goes is never followed.
func TestNoSymlinksFollowed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no O_NOFOLLOW on Windows")
	}
	s := newStore(t)
	if err := os.MkdirAll(s.LockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "victim")
	if err := os.Symlink(target, filepath.Join(s.LockDir, lockName("device|d")+".lock")); err != nil {
		t.Fatal(err)
	}
	if turn, err := s.LockOrWait(ctx, "device|d", time.Second); err == nil {
		turn.Lock.Close()
		t.Fatal("locked through a symlink")
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Fatal("the symlink's target was created")
	}
	other := filepath.Join(t.TempDir(), "used")
	b, _ := json.Marshal(usedCode{At: time.Now(), Hash: codeHash("d", "123456")})
	_ = os.WriteFile(other, b, 0o600)
	_ = os.Symlink(other, s.usedPath("d"))
	if _, used := s.CodeUsed(ctx, "d", "123456"); used {
		t.Fatal("read a used-code record through a symlink")
	}
}

// A lock dir that belongs to another user is refused (an attacker's dir could hold planted
// files). Needs root to hand the dir to someone else.
func TestLockDirOfAnotherUserRefused(t *testing.T) {
	switch {
	case runtime.GOOS == "windows":
		t.Skip("no chown on Windows (owner_windows.go has its own test)")
	case os.Getuid() != 0 && os.Getenv("CI") == "true":
		t.Fatal("needs root to hand the dir to another user, and CI runs as root: this run would not check the refusal")
	case os.Getuid() != 0:
		t.Skip("needs root to chown (CI runs as root)")
	}
	s := newStore(t)
	if err := os.MkdirAll(s.LockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(s.LockDir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LockOrWait(ctx, "x", time.Second); err == nil || !strings.Contains(err.Error(), "belongs to another user") {
		t.Fatalf("used a lock dir of another user: %v", err)
	}
}
