package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cachetest"
)

// statusOf runs status (or clear) against store with a config that has only profile "a".
func statusOf(t *testing.T, store *cache.Store, cmd *command) string {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{io: stdio{In: strings.NewReader(""), Out: &out, Err: &errb}, store: store}
	if err := cmd.run(context.Background(), e, flag.NewFlagSet(cmd.name, flag.ContinueOnError), nil); err != nil {
		t.Fatalf("%s: %v\n%s", cmd.name, err, errb.String())
	}
	return out.String()
}

// On a keyring that cannot list its items (macOS, Windows): status names items no call can
// use, never their content; after the record of items was damaged it says, on every run until
// a clear, that items of profiles no longer in the config may be missing, and says it once.
func TestStatusNamesUnusableAndRebuiltRecord(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	const dev = "arn:aws:iam::123456789012:mfa/phone"
	if err := os.WriteFile(cfg, []byte("[profile a]\nmfa_serial = "+dev+"\n[profile b]\nmfa_serial = "+dev+"2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_REGION", "")
	kr := &cachetest.Limited{Max: 2000}
	store := &cache.Store{Keyring: kr, LockDir: dir}
	ctx := context.Background()
	put := func(k cache.Key) {
		e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIAGOOD", SecretAccessKey: "goodsecret", SessionToken: "t"}, Expiration: time.Now().Add(time.Hour), Source: "a", Device: dev}
		if err := store.PutSession(ctx, k, e); err != nil {
			t.Fatal(err)
		}
	}
	a, b, gone := cache.SessionKey("a", dev), cache.SessionKey("b", dev+"2"), cache.SessionKey("removed", dev)
	put(a)
	put(b)
	put(gone)
	if err := kr.Set(ctx, cache.Service, string(b), `{"AccessKeyId":"ASIAOLD","SecretAccessKey":"oldsecret"}`); err != nil {
		t.Fatal(err)
	}
	if err := kr.Set(ctx, cache.Service, string(gone), "\x00garbage oldsecret"); err != nil {
		t.Fatal(err)
	}
	out := statusOf(t, store, statusCmd)
	for _, want := range []string{"a\tdevice " + dev, "(old format)\titem " + string(b) + "\t`mfacred clear` removes it", "(damaged)\titem " + string(gone) + "\t`mfacred clear` removes it"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "oldsecret") || strings.Contains(out, "note:") {
		t.Errorf("status shows a secret or a note it should not:\n%s", out)
	}

	put(gone) // readable again, of a profile no longer in the config
	if err := kr.Set(ctx, cache.Service, "index", "\x00damaged"); err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		out = statusOf(t, store, statusCmd)
		if n := strings.Count(out, "note: the keyring's record of cached items was damaged and rebuilt"); n != 1 || !strings.Contains(out, "a\tdevice "+dev) {
			t.Fatalf("run %d: %d notes, want 1 and the session of a:\n%s", run, n, out)
		}
	}
	statusOf(t, store, clearCmd)
	if out = statusOf(t, store, statusCmd); strings.Contains(out, "note:") || !strings.Contains(out, "no cached sessions") {
		t.Fatalf("after clear:\n%s", out)
	}
}
