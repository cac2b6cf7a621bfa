package inventory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
)

// Clear forgets every cached item, or with profile ("": all) only the one that profile uses,
// and returns how many sessions and role credentials were cached. Stored keys and seeds stay.
func Clear(ctx context.Context, store *cache.Store, profile string) (int, error) {
	var known []cache.Key // where the keyring's record of items was damaged, these are looked for
	if profile == "" {
		known = slices.Collect(maps.Keys(Profiles()))
	}
	cached, err := store.Cached(ctx, known...)
	if err != nil {
		return 0, fmt.Errorf("list sessions: %w", err)
	}
	keys := cached
	if profile != "" {
		files, err := awsconfig.Load()
		if err != nil {
			return 0, err
		}
		p, err := files.Resolve(profile)
		if err != nil {
			return 0, err
		}
		keys = []cache.Key{hit.Of(p).Key()}
	}
	n := 0
	for _, k := range keys {
		if err := store.DeleteSession(ctx, k); err != nil {
			return n, err
		}
		if slices.Contains(cached, k) && (k.IsSession() || k.IsRole()) {
			n++
		}
	}
	if profile == "" {
		// Everything the record names is gone: what a damaged record may have missed no
		// longer changes what status shows.
		return n, store.MarkComplete(ctx)
	}
	return n, nil
}

// ErrNothing is returned by Remove when a profile has neither stored keys nor cached sessions.
var ErrNothing = errors.New("no keys stored and no cached sessions")

// Remove removes the long-term keys stored for profile name and forgets every session and role
// credentials made with them. It returns how many were forgotten and whether keys were stored.
func Remove(ctx context.Context, store *cache.Store, name string) (forgot int, hadKeys bool, err error) {
	items, err := store.SessionsOf(ctx, name)
	if err != nil {
		return 0, false, fmt.Errorf("list sessions: %w", err)
	}
	if err := store.DropSessionsOf(ctx, name); err != nil {
		return 0, false, err
	}
	for _, k := range items {
		if k.IsSession() || k.IsRole() {
			forgot++
		}
	}
	switch err := store.DeleteKeys(ctx, name); {
	case errors.Is(err, cache.ErrNotFound) && len(items) == 0:
		return 0, false, ErrNothing
	case errors.Is(err, cache.ErrNotFound):
		return forgot, false, nil
	case err != nil:
		return forgot, false, fmt.Errorf("remove keys: %w", err)
	}
	return forgot, true, nil
}
