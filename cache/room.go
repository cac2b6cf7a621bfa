package cache

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/mfacred/mfacred/keyring"
)

// evictions are the cached items a full keyring may drop to make room for another, in the
// order they go: items no one can read (an older format, damaged), then the rest, those that
// expire soonest first. The kernel keyring keeps no time of last use, so "soonest to expire"
// stands in for "least recently used": an item in use is renewed shortly before it expires,
// so it is rarely among the first. The order needs no margin of its own: an item too close
// to expiry to be served (package hit) expires sooner than any that serves, so it goes first.
type evictions struct {
	s    *Store
	keys []Key
}

// evictions lists what may go to make room for k (never k itself or its parts; never
// stored keys or seeds, which Cached does not list). A keyring that cannot list offers none.
func (s *Store) evictions(ctx context.Context, k Key) *evictions {
	ev := &evictions{s: s}
	if _, ok := s.Keyring.(keyring.Lister); !ok {
		return ev
	}
	all, err := s.Cached(ctx)
	if err != nil {
		return ev
	}
	now := time.Now()
	rank := map[Key]time.Time{} // zero: no one can read it
	for _, c := range all {
		if c.Item() == k {
			continue
		}
		rank[c] = time.Time{}
		if c.IsSession() || c.IsRole() {
			if e, err := s.Session(ctx, c); err == nil && e.Check(now) == nil {
				rank[c] = e.Expiration
			}
		} else if _, err := s.Identity(ctx, c); err == nil {
			rank[c] = now.Add(24 * time.Hour) // small, and costs a call to replace
		}
		ev.keys = append(ev.keys, c)
	}
	sort.SliceStable(ev.keys, func(i, j int) bool { return rank[ev.keys[i]].Before(rank[ev.keys[j]]) })
	return ev
}

// next drops the next item and reports whether one was dropped.
func (ev *evictions) next(ctx context.Context) bool {
	for len(ev.keys) > 0 {
		k := ev.keys[0]
		ev.keys = ev.keys[1:]
		if err := ev.s.del(ctx, k); err == nil {
			return true
		} else if !errors.Is(err, ErrNotFound) {
			return false
		}
	}
	return false
}
