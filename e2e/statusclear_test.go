//go:build linux

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/keyring"
)

// Whatever mfacred stored, status lists and clear removes, even an item no record names (an
// older mfacred whose index update failed after the item was stored) beside a damaged index:
// the Secret Service is asked for its items. Its keyring is its own: `clear` with no profile
// removes every session, and the test checks every item left, so on the shared keyring it
// would take other tests' sessions and see their items.
func TestStatusAndClearSeeEveryItem(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bus, _ := w.ownKeyring(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	w.mustRun(binary, "process", "--profile", w.profile)

	kr := busKeyring{bus}
	orphan := cache.RoleKey(w.profile, w.serial, "arn:aws:iam::222222222222:role/Orphan", "", "", false)
	item := fmt.Sprintf(`{"v":1,"k":"ASIAORPHANORPHANORPH","s":"s","t":"t","e":%q,"src":%q,"p":%q,"d":%q,"r":"arn:aws:iam::222222222222:role/Orphan","a":"arn:aws:sts::222222222222:assumed-role/Orphan/alice"}`,
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339), w.user.AccessKeyID, w.profile, w.serial)
	for name, v := range map[string]string{string(orphan): item, "index": "\x00damaged", "session:" + w.profile + "|old|format": "{}"} {
		if err := kr.Set(t.Context(), cache.Service, name, v); err != nil {
			t.Fatal(err)
		}
	}
	status := w.mustRun(binary, "status")
	if !strings.Contains(status, "role arn:aws:iam::222222222222:role/Orphan") || !strings.Contains(status, w.serial) {
		t.Fatalf("status does not list every cached item:\n%s", status)
	}
	w.mustRun(binary, "clear")
	left, err := kr.List(t.Context(), cache.Service)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range left {
		if !strings.HasPrefix(name, "keys:") && !strings.HasPrefix(name, "seed:") {
			t.Errorf("clear left %s", name)
		}
	}
	if _, err := (&cache.Store{Keyring: kr, LockDir: w.store().LockDir}).Keys(t.Context(), w.profile); err != nil {
		t.Fatalf("clear removed the stored keys: %v", err)
	}
}

// An incomplete cached session, or one said to expire further out than AWS issues, is served
// by neither binary and is replaced by the next call.
func TestDamagedSessionNotServed(t *testing.T) {
	t.Parallel() // waits for the next code step
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	key := cache.SessionKey(w.profile, w.serial)
	far := time.Now().Add(632024 * time.Hour).UTC().Format(time.RFC3339)
	soon := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	for name, item := range map[string]string{
		"no token":     `{"v":1,"k":"ASIADAMAGEDDAMAGED01","s":"s","e":%q,"src":%q,"p":%q,"d":%q}`,
		"72 years off": `{"v":1,"k":"ASIADAMAGEDDAMAGED03","s":"s","t":"t","e":%q,"src":%q,"p":%q,"d":%q}`,
	} {
		exp := soon
		if name == "72 years off" {
			exp = far
		}
		if err := (keyring.OS{}).Set(t.Context(), cache.Service, string(key), fmt.Sprintf(item, exp, w.user.AccessKeyID, w.profile, w.serial)); err != nil {
			t.Fatal(err)
		}
		// The fast path declines, then the core: either serving it would print it.
		c := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
		if strings.HasPrefix(c.AccessKeyId, "ASIADAMAGED") {
			t.Fatalf("%s: served a damaged item", name)
		}
		got, err := w.store().Session(t.Context(), key)
		if err != nil || got.AccessKeyID != c.AccessKeyId || got.Check(time.Now()) != nil {
			t.Fatalf("%s: the damaged item was not replaced: %+v %v", name, got, err)
		}
	}
}
