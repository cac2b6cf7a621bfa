package inventory

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cachetest"
)

const (
	dev   = "arn:aws:iam::123456789012:mfa/phone"
	admin = "arn:aws:iam::222222222222:role/Admin"
)

// A cache of a session, its role, the role of a session that is gone and a damaged item, with
// a config whose profiles use two of them.
func fixture(t *testing.T) (*cache.Store, map[string]cache.Key) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	config := "[profile work]\nmfa_serial = " + dev + "\n[profile also]\nmfa_serial = " + dev + "\nmfacred_source_profile = work\n" +
		"[profile prod]\nmfacred_source_profile = work\nmfacred_role_arn = " + admin + "\n"
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	store := cachetest.NewStore(dir)
	keys := map[string]cache.Key{
		"work": cache.SessionKey("work", dev), "prod": cache.RoleKey("work", dev, admin, "", "", false),
		"orphan": cache.RoleKey("gone", dev, admin, "", "", false), "damaged": cache.SessionKey("other", dev),
	}
	for label, k := range keys {
		e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA" + label, SecretAccessKey: "s", SessionToken: "t"},
			Expiration: time.Now().Add(time.Hour), Source: "work", Device: dev}
		switch label {
		case "prod", "orphan":
			e.Role, e.ARN = admin, "arn:aws:sts::222222222222:assumed-role/Admin/alice"
		}
		if label == "orphan" {
			e.Source = "gone"
		}
		if err := store.PutSession(context.Background(), k, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Keyring.Set(context.Background(), cache.Service, string(keys["damaged"]), "\x00garbage"); err != nil {
		t.Fatal(err)
	}
	return store, keys
}

// Take groups role credentials under their session, with the profiles each serves; a role
// whose session is gone gets a group of its own; a damaged item is named, not grouped.
func TestTake(t *testing.T) {
	store, keys := fixture(t)
	inv, err := Take(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Groups) != 2 || inv.Rebuilt {
		t.Fatalf("groups %+v, rebuilt %v", inv.Groups, inv.Rebuilt)
	}
	byKey := map[cache.Key]Group{}
	for _, g := range inv.Groups {
		byKey[g.Key] = g
	}
	work, orphan := byKey[keys["work"]], byKey[cache.SessionKey("gone", dev)]
	if !work.Cached || !slices.Equal(work.Profiles, []string{"also", "work"}) || len(work.Roles) != 1 ||
		work.Roles[0].Key != keys["prod"] || !slices.Equal(work.Roles[0].Profiles, []string{"prod"}) {
		t.Fatalf("work's group: %+v", work)
	}
	if orphan.Cached || len(orphan.Roles) != 1 || orphan.Roles[0].Key != keys["orphan"] || len(orphan.Roles[0].Profiles) != 0 {
		t.Fatalf("the orphan role's group: %+v", orphan)
	}
	if !slices.Equal(inv.Unusable, []Unusable{{keys["damaged"], "damaged"}}) {
		t.Fatalf("unusable: %+v", inv.Unusable)
	}
}

// Clear with a profile forgets that profile's item only; without, everything, counting what
// was cached.
func TestClear(t *testing.T) {
	store, keys := fixture(t)
	ctx := context.Background()
	if n, err := Clear(ctx, store, "prod"); err != nil || n != 1 {
		t.Fatalf("clear prod: %d, %v", n, err)
	}
	if _, err := store.Session(ctx, keys["prod"]); err == nil {
		t.Fatal("prod's role credentials are still cached")
	}
	if _, err := store.Session(ctx, keys["work"]); err != nil {
		t.Fatalf("work's session went with prod's: %v", err)
	}
	if n, err := Clear(ctx, store, ""); err != nil || n != 3 {
		t.Fatalf("clear: %d, %v; want the 3 left", n, err)
	}
	if inv, err := Take(ctx, store); err != nil || len(inv.Groups)+len(inv.Unusable) != 0 {
		t.Fatalf("after clear: %+v, %v", inv, err)
	}
}
