package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/keyring"
)

// quota is a listing keyring with a per-user byte quota, as the kernel keyring has, and an
// item limit (maxItem; 0 for 8000). It counts the writes it refused for want of room.
type quota struct {
	listing
	max     int
	maxItem int
	refused int
}

func (q quota) used() int {
	n := 0
	for k, v := range q.mapKeyring {
		n += len(k) + len(v)
	}
	return n
}

func (q *quota) Set(ctx context.Context, service, user, secret string) error {
	old, _ := q.Get(ctx, service, user)
	if q.used()-len(old)+len(service+user)+1+len(secret) > q.max {
		q.refused++
		return fmt.Errorf("%w: quota of %d bytes", keyring.ErrFull, q.max)
	}
	return q.mapKeyring.Set(ctx, service, user, secret)
}

func (q *quota) MaxItem() int {
	if q.maxItem == 0 {
		return 8000
	}
	return q.maxItem
}

// With a 20,000-byte quota, 40 role items of 1.5 KB each are all stored: room is made by
// dropping items that serve no one first, then those that expire soonest; the item just
// stored is never the one dropped.
func TestFullKeyringMakesRoom(t *testing.T) {
	kr := &quota{listing: listing{mapKeyring{}}, max: 20000}
	s := &Store{Keyring: kr, LockDir: t.TempDir()}
	now := time.Now()
	due := bigRole()
	due.SessionToken = due.SessionToken[:1400]
	due.Expiration = now.Add(5 * time.Minute) // too close to expiry to be served
	if err := s.PutSession(ctx, role(1000), due); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		e := due
		e.Expiration = now.Add(time.Hour + time.Duration(i)*time.Minute)
		if err := s.PutSession(ctx, role(i), e); err != nil {
			t.Fatalf("role %d: %v", i, err)
		}
		if got, err := s.Session(ctx, role(i)); err != nil || got.SessionToken != e.SessionToken {
			t.Fatalf("role %d not readable after storing: %v", i, err)
		}
		if i == 10 {
			if _, err := s.Session(ctx, role(1000)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("the item due for renewal was kept while others went: %v", err)
			}
			if _, err := s.Session(ctx, role(1)); err != nil {
				t.Fatalf("a live item went before the one due for renewal: %v", err)
			}
		}
	}
	if _, err := s.Session(ctx, role(0)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the item that expires soonest is still there: %v", err)
	}
	// Room was made, not found: the quota refused writes, and items went to end the refusals.
	if kr.refused == 0 || len(kr.users(Service)) >= 41 {
		t.Fatalf("the quota never refused a write (%d refusals, %d items): no room was made", kr.refused, len(kr.users(Service)))
	}
}

// When no room can be made the error says so, as keyring.ErrFull.
func TestFullKeyringWithNothingToDrop(t *testing.T) {
	s := &Store{Keyring: &quota{listing: listing{mapKeyring{}}, max: 1000}, LockDir: t.TempDir()}
	err := s.PutSession(ctx, role(1), bigRole())
	if !errors.Is(err, keyring.ErrFull) {
		t.Fatalf("err = %v", err)
	}
}

// longRole names role credentials whose role ARN is longer than a name field may be, so that
// the field is written as a hash, "#<hex>" (names.go).
func longRole() Key {
	return RoleKey("work", "arn:aws:iam::123456789012:mfa/phone", "arn:aws:iam::222222222222:role/"+strings.Repeat("team/", 12)+"Administrators", "", "", false)
}

// An item whose name holds a hashed field (a long role ARN) is never on its own eviction
// list: when its rewrite cannot be made to fit, the credentials cached under it stay as they
// were (issue 18, defect 7). Split into parts or not.
func TestFullKeyringNeverDropsTheItemBeingWritten(t *testing.T) {
	for _, maxItem := range []int{0, 1000} {
		k := longRole()
		if _, fields, ok := k.Fields(); !ok || !strings.HasPrefix(fields[2], "#") {
			t.Fatalf("the role ARN field of %s is not hashed: the test does not test what it says", k)
		}
		old := bigRole()
		old.SessionToken = old.SessionToken[:1500]
		old.Expiration = time.Now().Add(20 * time.Minute).UTC().Truncate(time.Second) // due for renewal: ranked first
		kr := &quota{listing: listing{mapKeyring{}}, max: 1 << 20, maxItem: maxItem}
		s := &Store{Keyring: kr, LockDir: t.TempDir()}
		if err := s.PutSession(ctx, k, old); err != nil {
			t.Fatal(err)
		}
		kr.max = kr.used() + 100 // the renewed credentials, 2.5 KB larger, cannot fit
		renewed := bigRole()
		renewed.Expiration = time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		if err := s.PutSession(ctx, k, renewed); !errors.Is(err, keyring.ErrFull) {
			t.Fatalf("item limit %d: the larger item was stored (%v): the test does not test what it says", maxItem, err)
		}
		if got, err := s.Session(ctx, k); err != nil || got != old {
			t.Fatalf("item limit %d: the cached credentials being renewed were dropped by a failed rewrite: %v", maxItem, err)
		}
	}
}
