package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofrs/flock"

	"github.com/mfacred/mfacred/cache"
)

// The demo's policy is the policy package's fixture of the single-device era, byte for byte.
func TestDemoPolicyIsTheFixture(t *testing.T) {
	fixture, err := os.ReadFile("../policy/testdata/single-device-era.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fixture, demoPolicy) {
		t.Fatal("demo/demo-policy.json differs from policy/testdata/single-device-era.json: copy it again")
	}
}

// Only the demo's own settings reach its children: the user's profile, keys, endpoints and
// namespace are dropped; the keyring choice is kept.
func TestChildEnv(t *testing.T) {
	got := childEnv([]string{"HOME=/h", "AWS_PROFILE=work", "AWS_ACCESS_KEY_ID=AKIA", "MFACRED_NAMESPACE=x", "MFACRED_KEYRING=kernel", "PATH=/bin"}, "AWS_REGION=us-east-1")
	want := []string{"HOME=/h", "MFACRED_KEYRING=kernel", "PATH=/bin", "AWS_REGION=us-east-1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// A demo folder is a leftover only when no process holds its owner file: a running demo's
// (locked), one whose owner file is still empty, and a folder without one are left alone.
func TestLeftover(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
	kr := cache.KernelKeyring{} // leftover only opens it; nothing here writes to it
	mk := func(name string) string {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	live := mk("mfacred-demo-live")
	owner, err := own(live, "demo-11111111", kr)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	dead := mk("mfacred-demo-dead")
	if err := os.WriteFile(filepath.Join(dead, ownerFile), []byte("demo-22222222\nkernel\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	starting := mk("mfacred-demo-starting")
	if err := os.WriteFile(filepath.Join(starting, ownerFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	plain := mk("mfacred-demo-plain")

	if _, store, _ := leftover(live); store != nil {
		t.Errorf("a running demo's folder taken for a leftover")
	}
	if _, store, _ := leftover(starting); store != nil {
		t.Errorf("a starting demo's folder taken for a leftover")
	}
	if _, store, _ := leftover(plain); store != nil {
		t.Errorf("a folder without an owner file taken for a leftover")
	}
	if _, err := os.Lstat(filepath.Join(plain, ownerFile)); !os.IsNotExist(err) {
		t.Errorf("looking made an owner file: %v", err)
	}
	ns, store, release := leftover(dead)
	if store == nil || ns != "demo-22222222" || store.Service != "mfacred-demo-22222222" {
		t.Fatalf("a dead demo's folder: %q %+v", ns, store)
	}
	// Held while it is cleaned: a second demo does not clean it at the same time.
	if ok, _ := flock.New(filepath.Join(dead, ownerFile), flock.SetFlag(os.O_RDWR)).TryLock(); ok {
		t.Errorf("the leftover's owner file is not held while it is cleaned")
	}
	release()
}
