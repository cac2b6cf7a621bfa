package cache

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/keyring"
)

// A namespace's items and lock files are apart from the usual ones, both ways, and the
// usual Store sees none of them.
func TestNamespaceKeepsItemsApart(t *testing.T) {
	ctx := context.Background()
	kr := listing{mapKeyring{}}
	usual, err := ForNamespace(kr, "")
	if err != nil {
		t.Fatal(err)
	}
	demo, err := ForNamespace(kr, "demo-1a2b")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(demo.LockDir) != "mfacred-demo-1a2b" || filepath.Base(usual.LockDir) != "mfacred" {
		t.Fatalf("lock dirs %s, %s", usual.LockDir, demo.LockDir)
	}
	if err := usual.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIAUSUAL", SecretAccessKey: "s1"}); err != nil {
		t.Fatal(err)
	}
	if err := demo.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIADEMO", SecretAccessKey: "s2"}); err != nil {
		t.Fatal(err)
	}
	k := Key("session:AKIADEMO|arn:aws:iam::1:mfa/phone")
	if err := demo.PutSession(ctx, k, Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if c, _ := usual.Keys(ctx, "work"); c.AccessKeyID != "AKIAUSUAL" {
		t.Fatalf("usual keys %q", c.AccessKeyID)
	}
	if c, _ := demo.Keys(ctx, "work"); c.AccessKeyID != "AKIADEMO" {
		t.Fatalf("demo keys %q", c.AccessKeyID)
	}
	if keys, _ := usual.Cached(ctx); len(keys) != 0 {
		t.Fatalf("the usual store sees %v", keys)
	}
	if got := kr.users("mfacred-demo-1a2b"); len(got) != 2 {
		t.Fatalf("demo service holds %v", got)
	}
	if got := kr.users(Service); len(got) != 1 {
		t.Fatalf("usual service holds %v", got)
	}
	for _, bad := range []string{"Demo", "-x", "a/b", "a b", strings.Repeat("a", 33)} {
		if _, err := ForNamespace(kr, bad); err == nil || !strings.Contains(err.Error(), NamespaceEnv) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// Purge removes every item of a namespace, on a keyring that lists its items and on one that
// cannot (the record, plus the keys named), and refuses the usual Store.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	for _, kr := range []keyring.Keyring{listing{mapKeyring{}}, limited{mapKeyring{}, 2000}} {
		usual, _ := ForNamespace(kr, "")
		demo, _ := ForNamespace(kr, "demo-9")
		// Their lock folders would be the user's own cache folder's; the test's are its own.
		usual.LockDir, demo.LockDir = t.TempDir(), t.TempDir()
		_ = usual.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIAUSUAL", SecretAccessKey: "s1"})
		_ = demo.PutKeys(ctx, "demo", Credentials{AccessKeyID: "AKIADEMO", SecretAccessKey: "s2"})
		if err := demo.PutSession(ctx, SessionKey("demo", "arn:aws:iam::1:mfa/phone"), Entry{Credentials: Credentials{AccessKeyID: "ASIA"}, Expiration: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := usual.Purge(ctx); err == nil {
			t.Fatal("purge of the usual store was not refused")
		}
		if err := demo.Purge(ctx, KeysKey("demo")); err != nil {
			t.Fatal(err)
		}
		var m mapKeyring
		switch k := kr.(type) {
		case listing:
			m = k.mapKeyring
		case limited:
			m = k.mapKeyring
		}
		if left := m.users("mfacred-demo-9"); len(left) != 0 {
			t.Errorf("%T: left %v", kr, left)
		}
		if left := m.users(Service); len(left) != 1 {
			t.Errorf("%T: the usual items are %v", kr, left)
		}
	}
}

// validNamespace accepts exactly what the pattern it replaced accepted: every string of up to
// 34 bytes over an alphabet with each kind of byte the pattern tells apart, at its edges.
func TestValidNamespaceIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	alphabet := []string{"a", "z", "0", "9", "-", "A", "Z", "_", "/", " ", "\n", "`", "{", ":", "@", "[", "\x7f", "\xc3\xa9"}
	check := func(ns string) {
		if got, want := validNamespace(ns), re.MatchString(ns); got != want {
			t.Errorf("validNamespace(%q) = %v, the pattern says %v", ns, got, want)
		}
	}
	check("")
	for _, a := range alphabet {
		for _, b := range alphabet {
			for _, c := range alphabet {
				check(a + b + c)
				for n := 29; n <= 34; n++ {
					check(a + strings.Repeat(b, n-2) + c)
				}
			}
		}
	}
}
