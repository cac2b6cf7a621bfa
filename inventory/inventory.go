// Package inventory is what the cache holds, as `mfacred status` lists it and `mfacred clear`
// and `remove` forget it: each cached session with the profiles it serves (from the config as
// it is now, by package hit's key), the role credentials assumed with it below it, and the
// items no call can use (old format, damaged), by name only: never a secret.
package inventory

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
)

// Item is one cached session or role credentials, with the profiles it serves.
type Item struct {
	Key      cache.Key
	Entry    cache.Entry
	Profiles []string // sorted; none when no profile of the config uses it
	// Due: a profile it serves would not be served it: `mfacred process` renews it at the
	// next call (Verdict, process's own rule).
	Due bool
	// Verdict is process's rule on the item (hit.Process.Judge) for the first profile it
	// serves, or, when none does, on its expiry alone; status words its reason.
	Verdict hit.Verdict
}

// Group is a cached session and the role credentials assumed with it. Cached is false when
// the session is gone and only its roles are left (Entry is then the first role's).
type Group struct {
	Item
	Cached bool
	Roles  []Item
}

// Unusable is an item no call can use; `mfacred clear` removes it.
type Unusable struct {
	Key cache.Key
	Why string // "old format" or "damaged"
}

// Inventory is what the cache holds.
type Inventory struct {
	Groups   []Group // by session key
	Unusable []Unusable
	// Rebuilt: the keyring's record of items was damaged and rebuilt from the config's
	// profiles, so items of profiles no longer in the config may be missing.
	Rebuilt bool
	// Logins are the aws login sessions the config's profiles use, one line each
	// (logins.go): they live in their token files, not in the keyring.
	Logins []string
}

// Take reads the inventory of store.
func Take(ctx context.Context, store *cache.Store) (Inventory, error) {
	var inv Inventory
	files, _ := awsconfig.Load() // nil when it cannot be read: items are listed by name alone
	served, requests := profiles(files)
	keys, err := store.Cached(ctx, slices.Collect(maps.Keys(served))...)
	if err != nil {
		return inv, err
	}
	sessions := map[cache.Key]*Group{}
	var roles []Item
	for _, k := range keys {
		if _, _, ok := k.Fields(); !ok && !k.IsPart() {
			inv.Unusable = append(inv.Unusable, Unusable{k, "old format"})
			continue
		}
		if !k.IsSession() && !k.IsRole() {
			continue // parts go with their item; identities are not sessions
		}
		en, err := store.Inspect(ctx, k)
		switch {
		case errors.Is(err, cache.ErrNotFound):
			continue
		case errors.Is(err, cache.ErrOldFormat):
			inv.Unusable = append(inv.Unusable, Unusable{k, "old format"})
			continue
		case errors.Is(err, cache.ErrDamaged):
			inv.Unusable = append(inv.Unusable, Unusable{k, "damaged"})
			continue
		case err != nil:
			return inv, err
		}
		r, known := requests[k] // the zero Request when no profile uses it: only its expiry counts (Left)
		v := hit.Process.Judge(r, en, time.Now())
		item := Item{Key: k, Entry: en, Profiles: served[k], Due: known && !v.Serves(), Verdict: v}
		if k.IsRole() {
			roles = append(roles, item)
		} else {
			sessions[k] = &Group{Item: item, Cached: true}
		}
	}
	for _, r := range roles { // listed under the session they were assumed with (or would be)
		parent := cache.SessionKey(r.Entry.Source, r.Entry.Device)
		g, ok := sessions[parent]
		if !ok {
			g = &Group{Item: Item{Key: parent, Entry: r.Entry}}
			sessions[parent] = g
		}
		g.Roles = append(g.Roles, r)
	}
	for _, g := range sessions {
		inv.Groups = append(inv.Groups, *g)
	}
	sort.Slice(inv.Groups, func(i, j int) bool { return inv.Groups[i].Key < inv.Groups[j].Key })
	if files != nil {
		inv.Logins = logins(files, time.Now())
	}
	inv.Rebuilt, err = store.RecordIncomplete(ctx)
	return inv, err
}

// Profiles is which profiles each cache item serves, from the config as it is now (none when
// it cannot be read).
func Profiles() map[cache.Key][]string {
	files, _ := awsconfig.Load()
	served, _ := profiles(files)
	return served
}

// profiles is which profiles of files (nil: none) each cache item serves, and the request of
// the first of them, whose rule says whether process would serve the item.
func profiles(files *awsconfig.Files) (map[cache.Key][]string, map[cache.Key]hit.Request) {
	served, requests := map[cache.Key][]string{}, map[cache.Key]hit.Request{}
	if files == nil {
		return served, requests
	}
	for _, name := range files.Profiles() {
		if p, err := files.Resolve(name); err == nil {
			r := hit.For(files, p)
			k := r.Key()
			if _, ok := requests[k]; !ok {
				requests[k] = r
			}
			served[k] = append(served[k], name)
		}
	}
	for _, names := range served {
		sort.Strings(names)
	}
	return served, requests
}

// Names are the profiles the item serves, joined with commas, for status.
func (i Item) Names() string {
	if len(i.Profiles) == 0 {
		return "(no profile)"
	}
	return strings.Join(i.Profiles, ",")
}

// Left says how long the item's credentials still live at now, and whether process renews
// them at the next call and why (the verdict's reason), for status.
func (i Item) Left(now time.Time) string {
	in := "expires in " + i.Entry.Expiration.Sub(now).Truncate(time.Minute).String()
	switch {
	case i.Verdict.Reason == hit.Expired:
		return "expired"
	case i.Due:
		return in + ", renewed at the next call (" + i.Verdict.Why() + ")"
	}
	return in
}
