//go:build linux

package keyring

import (
	"os"
	"testing"

	gokeyring "github.com/zalando/go-keyring"
	ss "github.com/zalando/go-keyring/secret_service"

	"github.com/mfacred/mfacred/internal/testenv"
)

// An item another process deletes between List's search and its reading of the item's
// attributes is left out, not an error: `status` and `clear` run beside processes that
// delete items (gnome-keyring then answers UnknownMethod, "Object does not exist at path").
// Tested on a real gnome-keyring, with the deletion made between the two steps.
func TestListSkipsAnItemDeletedMeanwhile(t *testing.T) {
	bus, stop, err := testenv.SecretService(t.TempDir())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer stop()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus)
	if err := gokeyring.Set("mfacred-list-test", "gone", "x"); err != nil {
		t.Fatal(err)
	}
	svc, err := ss.NewSecretService()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := svc.SearchItems(svc.GetLoginCollection(), map[string]string{"service": "mfacred-list-test"})
	if err != nil || len(paths) != 1 {
		t.Fatalf("search: %v %v", paths, err)
	}
	if attrs, err := itemAttributes(svc, paths[0]); err != nil || attrs["username"] != "gone" {
		t.Fatalf("attributes before the delete: %v %v", attrs, err)
	}
	if err := gokeyring.Delete("mfacred-list-test", "gone"); err != nil {
		t.Fatal(err)
	}
	_, err = itemAttributes(svc, paths[0])
	if !itemGone(err) {
		t.Fatalf("attributes of a deleted item: %v, want an error itemGone knows", err)
	}
	if users, err := (OS{}).List(t.Context(), "mfacred-list-test"); err != nil || len(users) != 0 {
		t.Fatalf("List after the delete: %v %v", users, err)
	}
	// go-keyring's Get searches, then reads the secret: an item deleted in between answers
	// the secret's read so too, which OS.Get takes as ErrNotFound (status read every
	// item while a parallel test deleted its own: "list sessions: OS keyring unreachable:
	// Object does not exist at path").
	session, err := svc.OpenSession()
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(session)
	if _, err := svc.GetSecret(paths[0], session.Path()); !itemGone(err) {
		t.Fatalf("the secret of a deleted item: %v, want an error itemGone knows", err)
	}
}
