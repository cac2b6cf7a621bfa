package cache

import (
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/keyring"
)

// limited is a map keyring that refuses items over max bytes, as Windows (2560) and macOS do.
type limited struct {
	mapKeyring
	max int
}

func (l limited) MaxItem() int { return l.max }
func (l limited) Set(ctx context.Context, service, user, secret string) error {
	if len(secret) > l.max {
		return errors.New("data passed to Set was too big")
	}
	return l.mapKeyring.Set(ctx, service, user, secret)
}

// bigRole is the largest item mfacred writes: role credentials whose session token carries
// session tags and a policy (AWS's can pass 1 KB; this one is 4 KB), with a long role ARN.
func bigRole() Entry {
	return Entry{
		Credentials: Credentials{AccessKeyID: "ASIAROLEROLEROLEROLE", SecretAccessKey: strings.Repeat("s", 40), SessionToken: "IQoJb3JpZ2luX2VjE" + strings.Repeat("Ab9+/", 800)},
		Expiration:  time.Now().Add(time.Hour).UTC().Truncate(time.Second), SourceKeyID: "AKIAAAAAAAAAAAAAAAAA",
		Source: "work", Device: "arn:aws:iam::123456789012:mfa/googleAuthentication",
		Role: "arn:aws:iam::222222222222:role/" + strings.Repeat("path/", 20) + "Admin", ARN: "arn:aws:sts::222222222222:assumed-role/Admin/alice",
	}
}

// Items larger than a keyring's limit are split into parts that fit, read back whole, and
// their parts go with them; a later small item leaves no parts behind.
func TestLargestItemPerBackendLimit(t *testing.T) {
	for _, max := range []int{2560, 2000, 8000} {
		kr := limited{mapKeyring{}, max}
		s := &Store{Keyring: kr, LockDir: t.TempDir()}
		k := RoleKey("work", "d", "arn:aws:iam::222222222222:role/Admin", "", "", false)
		big := bigRole()
		if err := s.PutSession(ctx, k, big); err != nil {
			t.Fatalf("limit %d: %v", max, err)
		}
		for name, v := range kr.mapKeyring {
			if len(v) > max {
				t.Fatalf("limit %d: item %q is %d bytes", max, name, len(v))
			}
		}
		if got, err := s.Session(ctx, k); err != nil || got != big {
			t.Fatalf("limit %d: read back %v", max, err)
		}
		small := big
		small.SessionToken = "short"
		if err := s.PutSession(ctx, k, small); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Session(ctx, k); err != nil || got != small {
			t.Fatalf("limit %d: small after big: %v", max, err)
		}
		if err := s.DeleteSession(ctx, k); err != nil {
			t.Fatal(err)
		}
		if len(kr.mapKeyring) != 1 { // the index
			t.Fatalf("limit %d: items left behind: %d", max, len(kr.mapKeyring))
		}
	}
}

// needKernelKeyring fails under CI when keyctl is blocked, and skips elsewhere.
func needKernelKeyring(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	err := keyring.Kernel{}.Set(ctx, Service, "probe|"+t.Name(), "x")
	if err == nil {
		_ = keyring.Kernel{}.Delete(ctx, Service, "probe|"+t.Name())
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("kernel keyring: %v", err)
	}
	t.Skipf("kernel keyring: %v", err)
}

// The kernel keyring holds sessions, large ones too, which expire with the session; it refuses
// long-term keys and seeds.
func TestKernelKeyring(t *testing.T) {
	needKernelKeyring(t)
	s := &Store{Keyring: keyring.Kernel{}, LockDir: t.TempDir()}
	id := time.Now().UnixNano()
	k := RoleKey("kernel-test", "d", "arn:aws:iam::222222222222:role/Admin", "", "", false) + Key(strings.Repeat("x", int(id%7)))
	t.Cleanup(func() { _ = s.DeleteSession(ctx, k) })
	big := bigRole()
	big.Expiration = time.Now().Add(2 * time.Second).UTC().Truncate(time.Millisecond)
	if err := s.PutSession(ctx, k, big); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, k); err != nil || got.SessionToken != big.SessionToken {
		t.Fatalf("read back: %v", err)
	}
	if all, err := s.Cached(ctx); err != nil || !slices.Contains(all, k) {
		t.Fatalf("the kernel keyring does not list %s: %v %v", k, all, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Session(ctx, k)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the item outlived its session: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := s.PutKeys(ctx, "work", Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "x"}); !errors.Is(err, ErrSessionsOnly) {
		t.Fatalf("stored long-term keys: %v", err)
	}
	if err := s.PutSeed(ctx, "d", "JBSWY3DPEHPK3PXP"); !errors.Is(err, ErrSessionsOnly) {
		t.Fatalf("stored a seed: %v", err)
	}
}
