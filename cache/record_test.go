package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// listing is a map keyring that can list its items, as the Secret Service and the kernel
// keyring can.
type listing struct{ mapKeyring }

func (l listing) List(_ context.Context, service string) ([]string, error) {
	return l.users(service), nil
}

// failingRecord is a keyring (with macOS's limit, no listing) whose record cannot be written.
type failingRecord struct{ limited }

func (f failingRecord) Set(ctx context.Context, service, user, secret string) error {
	if user == string(indexKey) {
		return errors.New("item could not be written")
	}
	return f.limited.Set(ctx, service, user, secret)
}

// everyItemListed fails unless Cached names every cache item in the keyring (parts of an
// item go with their head).
func everyItemListed(t *testing.T, s *Store, kr mapKeyring) {
	t.Helper()
	cached, err := s.Cached(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, k := range cached {
		listed[string(k)] = true
	}
	for _, u := range kr.users(Service) {
		head := string(Key(u).Item())
		if head != string(indexKey) && !strings.HasPrefix(u, "keys:") && !listed[head] {
			t.Errorf("item %s is in the keyring but not listed: status hides it and clear leaves it", u)
		}
	}
}

func role(i int) Key {
	return RoleKey("work", "arn:aws:iam::123456789012:mfa/phone", fmt.Sprintf("arn:aws:iam::222222222222:role/team/%03d/Administrators", i), "", "", false)
}

// An item is never stored unrecorded: when the record cannot be written the item is not
// stored either.
func TestItemNeverStoredUnrecorded(t *testing.T) {
	kr := failingRecord{limited{mapKeyring{}, 2000}}
	s := &Store{Keyring: kr, LockDir: t.TempDir()}
	err := s.PutSession(ctx, SessionKey("work", "d"), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now().Add(time.Hour)})
	if err == nil {
		t.Fatal("stored with no record")
	}
	everyItemListed(t, s, kr.mapKeyring)
}

// Where the keyring lists its items, a damaged or missing record hides nothing.
func TestListingKeyringNeedsNoRecord(t *testing.T) {
	kr := listing{mapKeyring{}}
	s := &Store{Keyring: kr, LockDir: t.TempDir()}
	exp := time.Now().Add(time.Hour)
	for i := 0; i < 3; i++ {
		if err := s.PutSession(ctx, role(i), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: exp}); err != nil {
			t.Fatal(err)
		}
	}
	_ = kr.Set(ctx, Service, string(indexKey), "\x00damaged")
	_ = kr.Set(ctx, Service, "session:old|format|item", "{}") // an older mfacred's
	_ = s.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"})
	everyItemListed(t, s, kr.mapKeyring)
	all, _ := s.Cached(ctx)
	for _, k := range all {
		if err := s.DeleteSession(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if left := kr.users(Service); len(left) != 1 || left[0] != string(KeysKey("work")) {
		t.Fatalf("clear left %v (want the stored keys alone)", left)
	}
}

// A damaged record is replaced, not an error, and records what is stored from then on.
func TestDamagedRecordIsReplaced(t *testing.T) {
	kr := limited{mapKeyring{}, 2560}
	s := &Store{Keyring: kr, LockDir: t.TempDir()}
	for _, raw := range []string{"\x00garbage", `{"v":1,"chunks":3}`, `{"v":2,"items":"x"}`} {
		_ = kr.Set(ctx, Service, string(indexKey), raw)
		if _, err := s.Cached(ctx); err != nil {
			t.Fatalf("damaged record %q: %v", raw, err)
		}
		if err := s.PutSession(ctx, role(1), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now().Add(time.Hour)}); err != nil {
			t.Fatalf("after damaged record %q: %v", raw, err)
		}
		everyItemListed(t, s, kr.mapKeyring)
	}
	// A record of mfacred 1 (a list of names) is read, its items kept.
	_ = kr.Set(ctx, Service, string(indexKey), `["session:work|d"]`)
	if all, _ := s.Cached(ctx); len(all) != 1 || all[0] != "session:work|d" {
		t.Fatalf("old record: %v", all)
	}
}

// With 45 role profiles under Windows' 2560-byte and macOS's limit every item, the record
// too, fits; all are listed and all can be removed.
func TestRecordOfManyRolesFitsEveryLimit(t *testing.T) {
	for _, max := range []int{2560, 2000} {
		kr := limited{mapKeyring{}, max}
		s := &Store{Keyring: kr, LockDir: t.TempDir()}
		for i := 0; i < 45; i++ {
			big := bigRole()
			big.Role = string(role(i))
			if err := s.PutSession(ctx, role(i), big); err != nil {
				t.Fatalf("limit %d, role %d: %v", max, i, err)
			}
		}
		for name, v := range kr.mapKeyring {
			if len(v) > max {
				t.Fatalf("limit %d: item %q is %d bytes", max, name, len(v))
			}
		}
		everyItemListed(t, s, kr.mapKeyring)
		if all, _ := s.Sessions(ctx); len(all) != 45 {
			t.Fatalf("limit %d: %d listed, want 45", max, len(all))
		}
		all, _ := s.Cached(ctx)
		for _, k := range all {
			if err := s.DeleteSession(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if left := kr.users(Service); len(left) != 1 || left[0] != string(indexKey) {
			t.Fatalf("limit %d: left %v", max, left)
		}
	}
}

// Each update removes expired items and their records: the record does not grow with every
// item ever cached.
func TestRecordDropsExpired(t *testing.T) {
	kr := limited{mapKeyring{}, 2000}
	s := &Store{Keyring: kr, LockDir: t.TempDir()}
	for i := 0; i < 30; i++ {
		if err := s.PutSession(ctx, role(i), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutSession(ctx, role(99), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.Cached(ctx); len(all) != 1 || all[0] != role(99) {
		t.Fatalf("record after expiry: %v", all)
	}
	if n := len(kr.users(Service)); n != 2 {
		t.Fatalf("%d items left, want the live one and the record", n)
	}
}

// A damaged record is rebuilt from the names the caller knows (the config's profiles), even
// after later writes replaced it: what was stored before is listed and removed again. It stays
// marked incomplete (items of profiles no longer in the config were not looked for) until
// MarkComplete, which clear calls after removing everything.
func TestDamagedRecordIsRebuilt(t *testing.T) {
	for _, damage := range []string{"garbage", "lost part"} {
		kr := limited{mapKeyring{}, 2000}
		s := &Store{Keyring: kr, LockDir: t.TempDir()}
		exp := time.Now().Add(time.Hour)
		for i := 0; i < 30; i++ {
			if err := s.PutSession(ctx, role(i), Entry{Credentials: Credentials{"ASIA", "s", "t"}, Expiration: exp}); err != nil {
				t.Fatal(err)
			}
		}
		if damage == "garbage" {
			_ = kr.Set(ctx, Service, string(indexKey), "\x00garbage")
		} else {
			if err := kr.Delete(ctx, Service, string(indexKey)+"#1"); err != nil {
				t.Fatalf("the record has no parts: %v", err)
			}
		}
		if err := s.PutSession(ctx, role(99), Entry{Credentials: Credentials{"ASIA", "s", "t"}, Expiration: exp}); err != nil {
			t.Fatal(err)
		}
		var known []Key
		for i := 0; i < 30; i++ {
			known = append(known, role(i))
		}
		all, err := s.Cached(ctx, known...)
		if err != nil || len(all) != 31 {
			t.Fatalf("%s: rebuilt record lists %d: %v", damage, len(all), err)
		}
		everyItemListed(t, s, kr.mapKeyring)
		if incomplete, err := s.RecordIncomplete(ctx); !incomplete || err != nil {
			t.Fatalf("%s: a rebuilt record is not marked incomplete (%v)", damage, err)
		}
		if err := s.MarkComplete(ctx); err != nil {
			t.Fatal(err)
		}
		if incomplete, err := s.RecordIncomplete(ctx); incomplete || err != nil {
			t.Fatalf("%s: still marked incomplete after MarkComplete (%v)", damage, err)
		}
	}
}
