package cache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func newStore(t *testing.T) *Store {
	return &Store{Keyring: MapKeyring{}, LockDir: filepath.Join(t.TempDir(), "mfacred")}
}

func TestSessionRoundTripAndIndex(t *testing.T) {
	s := newStore(t)
	k := SessionKey("work", "arn:aws:iam::1:mfa/phone")
	e := Entry{Credentials: Credentials{"ASIA1", "s", "t"}, Expiration: time.Unix(2000000000, 0).UTC(), SourceKeyID: "AKIA1", Source: "work", Device: "arn:aws:iam::1:mfa/phone"}
	if err := s.PutSession(k, e); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(k)
	if err != nil || got != e {
		t.Fatalf("%+v %v", got, err)
	}
	keys, _ := s.Sessions()
	if len(keys) != 1 || keys[0] != k {
		t.Fatalf("index %v", keys)
	}
	if err := s.DeleteSession(k); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(k); !errors.Is(err, ErrNotFound) {
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
		_ = s.Keyring.Set(Service, string(k), raw)
		if _, err := s.Session(k); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPutKeysDropsSessionsOfOldKeys(t *testing.T) {
	s := newStore(t)
	_ = s.PutKeys("work", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"})
	_ = s.PutSession(SessionKey("work", "d1"), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now()})
	_ = s.PutSession(SessionKey("work2", "d1"), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now()})
	_ = s.PutKeys("work", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"}) // same keys: keep
	if keys, _ := s.Sessions(); len(keys) != 2 {
		t.Fatalf("same keys dropped sessions: %v", keys)
	}
	_ = s.PutKeys("work", Credentials{AccessKeyID: "AKIA2", SecretAccessKey: "y"})
	keys, _ := s.Sessions()
	if len(keys) != 1 || keys[0] != SessionKey("work2", "d1") {
		t.Fatalf("sessions after replacing keys: %v", keys)
	}
}

func TestLockExcludesAndTimesOut(t *testing.T) {
	s := newStore(t)
	l, err := s.Lock("device|d", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	other := &Store{Keyring: s.Keyring, LockDir: s.LockDir}
	if _, err := other.Lock("device|d", 100*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("second holder: %v", err)
	}
	l.Close()
	l2, err := other.Lock("device|d", 100*time.Millisecond)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Close()
	fi, _ := os.Stat(s.LockDir)
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("lock dir mode %v", fi.Mode().Perm())
	}
}

func TestLockDirWritableByOthersRefused(t *testing.T) {
	s := newStore(t)
	if err := os.MkdirAll(s.LockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(s.LockDir, 0o777)
	if _, err := s.Lock("x", time.Second); err == nil {
		t.Fatal("used a world-writable lock dir")
	}
}

func TestCodeUsed(t *testing.T) {
	s := newStore(t)
	at := time.Unix(1000, 0)
	if _, used := s.CodeUsed("d", "123456"); used {
		t.Fatal("fresh store says used")
	}
	if err := s.MarkCodeUsed("d", "123456", at); err != nil {
		t.Fatal(err)
	}
	if got, used := s.CodeUsed("d", "123456"); !used || !got.Equal(at) {
		t.Fatalf("%v %v", got, used)
	}
	if _, used := s.CodeUsed("d", "654321"); used {
		t.Fatal("other code says used")
	}
	if _, used := s.CodeUsed("other", "123456"); used {
		t.Fatal("other device says used")
	}
}
