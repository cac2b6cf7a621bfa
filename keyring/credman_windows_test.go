package keyring

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The OS keyring on the Windows Credential Manager itself (go-keyring's CredWriteW, CredReadW,
// CredDeleteW): an item of MaxItem bytes is stored and read back as it was, one byte more is
// refused, and a deleted item is ErrNotFound to a read and to a second delete. A service of
// the test's own keeps the user's items apart. cache's TestStoreOnCredentialManager shows the
// Store splitting a larger item into parts here. (Under Wine: docs/windows.md.)
func TestCredentialManager(t *testing.T) {
	k := OS{}
	svc := fmt.Sprintf("mfacred-test-%d", os.Getpid())
	t.Cleanup(func() { _ = k.Delete(ctx, svc, "item") })
	secret := strings.Repeat("s", k.MaxItem())
	if err := k.Set(ctx, svc, "item", secret); err != nil {
		t.Fatalf("an item of %d bytes: %v", len(secret), err)
	}
	if got, err := k.Get(ctx, svc, "item"); err != nil || got != secret {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	if err := k.Set(ctx, svc, "item", secret+"s"); err == nil {
		t.Fatalf("an item of %d bytes was stored, past the limit", len(secret)+1)
	}
	if err := k.Delete(ctx, svc, "item"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, svc, "item"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read of a deleted item: %v", err)
	}
	if err := k.Delete(ctx, svc, "item"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}
