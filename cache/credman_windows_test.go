package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mfacred/mfacred/keyring"
)

// The Store on the Windows Credential Manager itself (go-keyring's CredWriteW/CredReadW): a role
// item past its 2,560-byte limit is stored in parts and read back whole, the record lists it,
// and deleting it leaves no part. A namespace of the test's own keeps the user's items apart.
// (Under Wine on every test run, test.sh's Windows lane; docs/windows.md.)
func TestStoreOnCredentialManager(t *testing.T) {
	s, err := ForNamespace(keyring.OS{}, fmt.Sprintf("test-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	s.LockDir = filepath.Join(t.TempDir(), "mfacred")
	t.Cleanup(func() { _ = s.Purge(ctx) })
	k := role(1)
	big := bigRole()
	big.Role = string(k)
	if err := s.PutSession(ctx, k, big); err != nil {
		t.Fatal(err)
	}
	parts := func() int {
		n := 0
		for i := 1; i <= 8; i++ {
			if _, err := s.Keyring.Get(ctx, s.service(), chunkKey(k, i)); err == nil {
				n++
			}
		}
		return n
	}
	if n := parts(); n < 2 {
		t.Fatalf("the role item is in %d parts in the Credential Manager, want 2 or more", n)
	}
	got, err := s.Session(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Credentials, big.Credentials) || got.Role != big.Role || !got.Expiration.Equal(big.Expiration) {
		t.Fatalf("read back %+v", got)
	}
	if cached, err := s.Cached(ctx); err != nil || len(cached) != 1 || cached[0] != k {
		t.Fatalf("record lists %v %v", cached, err)
	}
	if err := s.DeleteSession(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, k); err == nil {
		t.Fatal("a deleted item was read")
	}
	if n := parts(); n != 0 {
		t.Fatalf("%d parts left after delete", n)
	}
}
