package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gofrs/flock"

	"github.com/mfacred/mfacred/keyring"
)

// The demo's policy is the policy package's fixture of the single-device era, byte for byte.
func TestDemoPolicyIsTheFixture(t *testing.T) {
	fixture, err := os.ReadFile("../iampolicy/testdata/single-device-era.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fixture, demoPolicy) {
		t.Fatal("demo/demo-policy.json differs from iampolicy/testdata/single-device-era.json: copy it again")
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

// A demo folder is a leftover only when no process holds its lock file and its owner file is
// whole: a running demo's (locked), a starting one's (a lock file, no owner file yet), one
// killed while it wrote its owner file, and a folder without both files are left alone, and
// looking makes no file. The running demo's owner file can be read meanwhile: on Windows, where
// a held lock bars every other handle from the locked byte, it is not the locked file.
func TestLeftover(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
	// leftover only opens the keyring its owner file names; nothing here writes to it. The
	// kernel keyring exists on Linux only, and is the one to open there without a session bus.
	var kr keyring.Keyring = keyring.OS{}
	if runtime.GOOS == "linux" {
		kr = keyring.Kernel{}
	}
	mk := func(name string, files map[string]string) string {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for f, content := range files {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	live := mk("mfacred-demo-live", nil)
	owner, err := own(live, "demo-11111111", kr)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if b, err := os.ReadFile(filepath.Join(live, ownerFile)); err != nil || string(b) != "demo-11111111\n"+keyringChoice(kr)+"\n" {
		t.Errorf("a running demo's owner file reads %q (%v)", b, err)
	}
	dead := mk("mfacred-demo-dead", map[string]string{lockFile: "", ownerFile: "demo-22222222\n" + keyringChoice(kr) + "\n"})
	notDead := map[string]string{
		"a running demo's folder":                            live,
		"a starting demo's folder":                           mk("mfacred-demo-starting", map[string]string{lockFile: ""}),
		"the folder of a demo killed writing its owner file": mk("mfacred-demo-half", map[string]string{lockFile: "", ownerFile: "demo-33333333\n"}),
		"a folder with an owner file and no lock file":       mk("mfacred-demo-nolock", map[string]string{ownerFile: "demo-44444444\n" + keyringChoice(kr) + "\n"}),
		"a folder without an owner file or a lock file":      mk("mfacred-demo-plain", nil),
	}
	for what, dir := range notDead {
		if _, store, _ := leftover(dir); store != nil {
			t.Errorf("%s taken for a leftover", what)
		}
	}
	for _, p := range []string{filepath.Join(tmp, "mfacred-demo-plain", ownerFile), filepath.Join(tmp, "mfacred-demo-plain", lockFile), filepath.Join(tmp, "mfacred-demo-nolock", lockFile)} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("looking made %s: %v", p, err)
		}
	}
	ns, store, release := leftover(dead)
	if store == nil || ns != "demo-22222222" || store.Service != "mfacred-demo-22222222" {
		t.Fatalf("a dead demo's folder: %q %+v", ns, store)
	}
	// Held while it is cleaned: a second demo does not clean it at the same time.
	second := flock.New(filepath.Join(dead, lockFile), flock.SetFlag(os.O_RDWR))
	if ok, _ := second.TryLock(); ok {
		t.Errorf("the leftover's lock file is not held while it is cleaned")
	}
	second.Close()
	release()
}
