package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// quota is a listing keyring with a per-user byte quota, as the kernel keyring has.
type quota struct {
	listing
	max int
}

func (q quota) used() int {
	n := 0
	for k, v := range q.mapKeyring {
		n += len(k) + len(v)
	}
	return n
}

func (q quota) Set(ctx context.Context, service, user, secret string) error {
	old, _ := q.Get(ctx, service, user)
	if q.used()-len(old)+len(service+user)+1+len(secret) > q.max {
		return fmt.Errorf("%w: quota of %d bytes", ErrFull, q.max)
	}
	return q.mapKeyring.Set(ctx, service, user, secret)
}

func (q quota) MaxItem() int { return 8000 }

// With a 20,000-byte quota, 40 role items of 1.5 KB each are all stored: room is made by
// dropping items that serve no one first, then those that expire soonest; the item just
// stored is never the one dropped.
func TestFullKeyringMakesRoom(t *testing.T) {
	kr := quota{listing{mapKeyring{}}, 20000}
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
	if kr.used() > kr.max {
		t.Fatalf("quota passed: %d", kr.used())
	}
}

// When no room can be made the error says so, as ErrFull.
func TestFullKeyringWithNothingToDrop(t *testing.T) {
	s := &Store{Keyring: quota{listing{mapKeyring{}}, 1000}, LockDir: t.TempDir()}
	err := s.PutSession(ctx, role(1), bigRole())
	if !errors.Is(err, ErrFull) {
		t.Fatalf("err = %v", err)
	}
}
