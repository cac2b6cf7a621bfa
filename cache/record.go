package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/keyring"
)

// The record of cached items. `status` must list and `clear` must remove whatever mfacred
// stored, so no item may exist that nothing records. Where the keyring can list its items
// (keyring.Lister: the Secret Service, the kernel keyring), the keyring itself is the record:
// nothing can get out of step with it. Where it cannot (the macOS keychain, the Windows
// Credential Manager), the Store keeps one, the item "index":
//   - written before the item it names, so an item is never stored unrecorded (a record
//     whose item was never written costs nothing: clear finds nothing to remove);
//   - holding each item's expiry, so each update removes expired items and drops them,
//     and the record stays small however long mfacred is used;
//   - stored like any large item, in parts that fit the keyring's item limit;
//   - replaced by an empty one when it cannot be read (damaged), rather than failing, and
//     marked incomplete: Cached then looks for the config's profiles' items and records those
//     found, but items of profiles no longer in the config cannot be found that way, so the
//     mark stays until clear has removed everything (MarkComplete); status says so.

// indexKey names the record where the keyring cannot list its items.
const indexKey = Key("index")

// recordVersion is the format of the record: {"v":2,"items":{name: expiry in unix seconds
// or 0}}. Version 1 was a plain list of names, read as items with no expiry.
const recordVersion = 2

type recordItem struct {
	V     int           `json:"v"`
	Items map[Key]int64 `json:"items"`
	// Incomplete is set when a damaged record was replaced: items stored before may be
	// missing from it until Cached is given the names to look for.
	Incomplete bool `json:"incomplete,omitempty"`
}

// recordTimeout bounds the wait for another process's update of the record: one keyring
// operation's share of a call (docs/aws-contract.md §2).
const recordTimeout = deadline.Keyring

func (s *Store) lists() bool {
	_, ok := s.Keyring.(keyring.Lister)
	return ok
}

// record adds k, expiring at expires (zero: never), to the record.
func (s *Store) record(ctx context.Context, k Key, expires time.Time) error {
	var exp int64
	if !expires.IsZero() {
		exp = expires.Unix()
	}
	if err := s.editRecord(ctx, k, exp, true); err != nil {
		return fmt.Errorf("record cached item: %w", err)
	}
	return nil
}

// unrecord drops k from the record.
func (s *Store) unrecord(ctx context.Context, k Key) error {
	if err := s.editRecord(ctx, k, 0, false); err != nil {
		return fmt.Errorf("record cached item: %w", err)
	}
	return nil
}

// readRecord returns the recorded items, and whether some may be missing: the record is
// damaged (it reads as empty) or replaced one that was.
func (s *Store) readRecord(ctx context.Context) (items map[Key]int64, incomplete bool, err error) {
	items = map[Key]int64{}
	raw, err := s.Keyring.Get(ctx, s.service(), string(indexKey))
	switch {
	case errors.Is(err, ErrNotFound):
		return items, false, nil
	case err != nil:
		return nil, false, err
	}
	raw, err = s.join(ctx, indexKey, raw)
	switch {
	case errors.Is(err, ErrNotFound): // a part is gone
		return items, true, nil
	case err != nil:
		return nil, false, err
	}
	var r recordItem
	if json.Unmarshal([]byte(raw), &r) == nil && r.V == recordVersion && r.Items != nil {
		for k, exp := range r.Items {
			items[k] = exp
		}
		return items, r.Incomplete, nil
	}
	var old []Key
	if json.Unmarshal([]byte(raw), &old) == nil {
		for _, k := range old {
			items[k] = 0
		}
		return items, false, nil
	}
	return items, true, nil
}

// editRecord records k with expiry exp (keep) or drops it, under a lock shared by all
// processes of this user, and removes the other items that have expired.
func (s *Store) editRecord(ctx context.Context, k Key, exp int64, keep bool) error {
	if s.lists() {
		return nil
	}
	return s.rewriteRecord(ctx, func(items map[Key]int64, incomplete *bool) {
		if keep {
			items[k] = exp
		} else {
			delete(items, k)
		}
	}, k)
}

// rewriteRecord reads the record under a lock shared by all processes of this user, removes
// the items that have expired (but keep), lets edit change it, and writes it back.
func (s *Store) rewriteRecord(ctx context.Context, edit func(items map[Key]int64, incomplete *bool), keep Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.lock(ctx, "index", recordTimeout)
	if err != nil {
		return err
	}
	defer l.Close()
	items, incomplete, err := s.readRecord(ctx)
	if err != nil {
		return err
	}
	k := keep
	now := time.Now().Unix()
	for old, oldExp := range items {
		if old != k && oldExp != 0 && oldExp < now {
			if err := s.del(ctx, old); err == nil || errors.Is(err, ErrNotFound) {
				delete(items, old)
			}
		}
	}
	edit(items, &incomplete)
	b, _ := json.Marshal(recordItem{V: recordVersion, Items: items, Incomplete: incomplete})
	return s.set(ctx, indexKey, string(b), time.Time{})
}

// Cached lists the names of every cached item, sorted: sessions, role credentials,
// identities, and whatever else mfacred left in the cache (items of an older format, parts
// of split items), so that clear can remove it. Stored keys and seeds are not cache items.
// known are names the caller knows may be cached (those of the config's profiles): where the
// record was damaged, each that is found is listed and recorded again.
func (s *Store) Cached(ctx context.Context, known ...Key) ([]Key, error) {
	var keys []Key
	if l, ok := s.Keyring.(keyring.Lister); ok {
		users, err := l.List(ctx, s.service())
		if err != nil {
			return nil, fmt.Errorf("list cached items: %w", err)
		}
		for _, u := range users {
			if !strings.HasPrefix(u, "keys:") && !strings.HasPrefix(u, "seed:") {
				keys = append(keys, Key(u))
			}
		}
	} else {
		items, incomplete, err := s.readRecord(ctx)
		if err != nil {
			return nil, fmt.Errorf("list cached items: %w", err)
		}
		if incomplete && len(known) > 0 {
			if items, err = s.recover(ctx, known); err != nil {
				return nil, fmt.Errorf("list cached items: %w", err)
			}
		}
		for k := range items {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys, nil
}

// RecordIncomplete reports whether the record of cached items was rebuilt after it was
// damaged, so that items of profiles no longer in the config may be missing from Cached.
// Always false where the keyring lists its items.
func (s *Store) RecordIncomplete(ctx context.Context) (bool, error) {
	if s.lists() {
		return false, nil
	}
	_, incomplete, err := s.readRecord(ctx)
	return incomplete, err
}

// MarkComplete clears the record's incomplete mark: the caller has just removed every item
// it lists (clear), so whatever may have been missing from it no longer matters to status.
func (s *Store) MarkComplete(ctx context.Context) error {
	if s.lists() {
		return nil
	}
	return s.rewriteRecord(ctx, func(_ map[Key]int64, incomplete *bool) { *incomplete = false }, "")
}

// recover looks for each of known in the keyring and records those found: the record was
// damaged, and they may have been stored before.
func (s *Store) recover(ctx context.Context, known []Key) (map[Key]int64, error) {
	found := map[Key]int64{}
	for _, k := range known {
		e, err := s.Session(ctx, k)
		switch {
		case err == nil:
			found[k] = e.Expiration.Unix()
		case errors.Is(err, ErrNotFound):
			if _, err := s.Keyring.Get(ctx, s.service(), string(k)); err == nil {
				found[k] = 0 // there, but not a session this version reads: clear removes it
			}
		default:
			return nil, err
		}
	}
	var items map[Key]int64
	err := s.rewriteRecord(ctx, func(rec map[Key]int64, incomplete *bool) {
		for k, exp := range found {
			if _, ok := rec[k]; !ok {
				rec[k] = exp
			}
		}
		// Still incomplete: items of profiles no longer in the config were not looked for.
		items = maps.Clone(rec)
	}, "")
	return items, err
}
