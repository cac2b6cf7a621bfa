package cache

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Names are unambiguous for any profile name: `mfacred add a` with new keys leaves the
// sessions of profile "a|b" alone, and no two profiles share a name.
func TestNamesOfHostileProfiles(t *testing.T) {
	profiles := []string{"a", "a|b", "a|b|c", "a b", `a"b`, "a'b", "a:b", "a%7Cb", "a#1", "a\\b", "ä", "", strings.Repeat("p", 600)}
	s := newStore(t)
	exp := time.Now().Add(time.Hour)
	seen := map[Key]string{}
	for _, p := range profiles {
		for _, k := range []Key{SessionKey(p, "d"), RoleKey(p, "d", "arn:aws:iam::2:role/R", "", "", false), IdentityKey(p, "AKIA1")} {
			if other, dup := seen[k]; dup {
				t.Fatalf("profiles %q and %q share the name %s", p, other, k)
			}
			seen[k] = p
			if k.IsRole() == k.IsSession() && !strings.HasPrefix(string(k), "whoami:") {
				t.Fatalf("%s is not told apart", k)
			}
		}
		if err := s.PutSession(ctx, SessionKey(p, "d"), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutKeys(ctx, "a", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutKeys(ctx, "a", Credentials{AccessKeyID: "AKIA2", SecretAccessKey: "y"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range profiles {
		_, err := s.Session(ctx, SessionKey(p, "d"))
		if gone := errors.Is(err, ErrNotFound); gone != (p == "a") {
			t.Errorf("profile %q: session gone %v after new keys of profile a (%v)", p, gone, err)
		}
	}
}

// Names stay under the 513 characters Windows allows a credential's user name, with the
// longest fields AWS allows (role ARN 2048, serial 256) and a long profile name.
func TestLongNamesFitWindows(t *testing.T) {
	long := strings.Repeat("x", 3000)
	for _, k := range []Key{
		RoleKey(long, long, "arn:aws:iam::222222222222:role/"+strings.Repeat("p/", 1000), "ext", long, true),
		SessionKey(long, long), IdentityKey(long, long), KeysKey(long), SeedKey(long),
	} {
		if n := len(chunkKey(k, 64)); n > 513 {
			t.Errorf("name of %d characters: %.60s…", n, k)
		}
		if _, _, ok := k.Fields(); !ok {
			t.Errorf("%.60s… does not parse", k)
		}
	}
	if RoleKey(long, "d", "r", "", "", false) == RoleKey(long+"y", "d", "r", "", "", false) {
		t.Fatal("long fields collide")
	}
}

// Keys and seeds stored by an older mfacred under the unescaped name are found, and moved.
func TestKeysAndSeedsUnderOldNames(t *testing.T) {
	s := newStore(t)
	kr := s.Keyring.(mapKeyring)
	_ = kr.Set(ctx, Service, "keys:my prof", `{"k":"AKIAOLD","s":"secret"}`)
	_ = kr.Set(ctx, Service, "seed:arn:aws:iam::1:mfa/my phone", "JBSWY3DPEHPK3PXP")
	c, err := s.Keys(ctx, "my prof")
	if err != nil || c.AccessKeyID != "AKIAOLD" {
		t.Fatalf("keys under the old name: %+v %v", c, err)
	}
	if _, err := kr.Get(ctx, Service, "keys:my prof"); !errors.Is(err, ErrNotFound) {
		t.Fatal("old item not moved")
	}
	if c, err := s.Keys(ctx, "my prof"); err != nil || c.AccessKeyID != "AKIAOLD" {
		t.Fatalf("keys after the move: %+v %v", c, err)
	}
	if seed, err := s.Seed(ctx, "arn:aws:iam::1:mfa/my phone"); err != nil || seed != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("seed under the old name: %q %v", seed, err)
	}
	if err := s.DeleteSeed(ctx, "arn:aws:iam::1:mfa/my phone"); err != nil {
		t.Fatal(err)
	}
	if len(kr) != 1 { // the keys
		t.Fatalf("left behind: %v", kr.users(Service))
	}
}

// A wait for another process's lock ends at once when the context is cancelled (Ctrl-C).
func TestLockWaitEndsOnCancel(t *testing.T) {
	s := newStore(t)
	held, err := s.LockOrWait(ctx, "device|d", time.Second)
	if err != nil || held.Lock == nil {
		t.Fatalf("free lock: %v", err)
	}
	defer held.Lock.Close()
	c, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = s.LockOrWait(c, "device|d", time.Minute)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrLockTimeout) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if waited := time.Since(start); waited > 30*time.Second {
		t.Fatalf("the wait went on for %s after the cancel", waited)
	}
	if _, err := s.lock(c, "other", time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("lock with a cancelled context: %v", err)
	}
}

// The parts of a split item are told from items: status lists the item, not its parts.
func TestIsPart(t *testing.T) {
	s := SessionKey("work", "arn:aws:iam::123456789012:mfa/phone")
	for k, want := range map[Key]bool{
		s + "#1": true, s + "#64": true, indexKey + "#2": true,
		s: false, s + "#": false, s + "#x": false, s + "#123": false, "old-format#1": false,
		SessionKey("work", strings.Repeat("x", 80)): false, // a hashed field
	} {
		if got := k.IsPart(); got != want {
			t.Errorf("%q.IsPart() = %v, want %v", k, got, want)
		}
	}
}
