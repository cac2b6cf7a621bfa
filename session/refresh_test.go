package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cachetest"
	"github.com/mfacred/mfacred/keyring"
)

// stub is a source that hands out numbered credentials for an hour, or fails with err; it
// takes wait to fetch.
type stub struct {
	mu        sync.Mutex
	fetches   int
	err       error
	notCached *NotCached
	wait      time.Duration
	now       func() time.Time
}

func (s *stub) lock() (name, what string) { return "stub|work", "the stub" }

func (s *stub) fetch(context.Context) (Outcome, error) {
	time.Sleep(s.wait)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches++
	if s.err != nil {
		return Outcome{}, s.err
	}
	return Outcome{Entry: cache.Entry{
		Credentials: cache.Credentials{AccessKeyID: fmt.Sprintf("ASIASTUB%d", s.fetches), SecretAccessKey: "s", SessionToken: "t"},
		Expiration:  s.now().Add(time.Hour),
	}, NotCached: s.notCached}, nil
}

// locks records the names of the locks taken.
type locks struct {
	Store
	mu    sync.Mutex
	names []string
}

func (l *locks) LockOrWait(ctx context.Context, name string, d time.Duration) (cache.Turn, error) {
	l.mu.Lock()
	l.names = append(l.names, name)
	l.mu.Unlock()
	return l.Store.LockOrWait(ctx, name, d)
}

// Parallel callers of one refresh share one fetch: each takes the source's lock once, the
// first fetches and stores, the others serve what it stored; a later call is a hit, no lock.
func TestRefreshParallelCallersShareOneFetch(t *testing.T) {
	r := newRig(t)
	l := &locks{Store: r.store}
	r.p.Store = l
	src := &stub{wait: 50 * time.Millisecond, now: r.clock.now}
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := r.p.refresh(context.Background(), r.req, hit.Process, src)
			if err != nil || out.Warning() != nil {
				t.Errorf("caller %d: %v %v", i, err, out.Warning())
			}
			got[i] = out.AccessKeyID
		}()
	}
	wg.Wait()
	if distinct := slices.Compact(slices.Clone(got)); src.fetches != 1 || len(distinct) != 1 || distinct[0] != "ASIASTUB1" {
		t.Fatalf("%d fetches, callers got %v", src.fetches, got)
	}
	if len(l.names) < len(got) || slices.ContainsFunc(l.names, func(n string) bool { return n != "stub|work" }) {
		t.Fatalf("locks taken: %v", l.names)
	}
	l.names = nil
	if out, err := r.p.refresh(context.Background(), r.req, hit.Process, src); err != nil || out.AccessKeyID != "ASIASTUB1" || len(l.names) != 0 || src.fetches != 1 {
		t.Fatalf("a hit: %v %v, locks %v, %d fetches", out.AccessKeyID, err, l.names, src.fetches)
	}
}

// A fetch that fails fails the refresh and leaves the cached item as it was.
func TestRefreshFailedFetchLeavesTheCache(t *testing.T) {
	r := newRig(t)
	src := &stub{now: r.clock.now}
	first, err := r.p.refresh(context.Background(), r.req, hit.Process, src)
	if err != nil {
		t.Fatal(err)
	}
	r.clock.t = r.clock.t.Add(50 * time.Minute) // due, still valid
	src.err = errors.New("no")
	if _, err := r.p.refresh(context.Background(), r.req, hit.Process, src); !errors.Is(err, src.err) || src.fetches != 2 {
		t.Fatalf("err = %v, %d fetches", err, src.fetches)
	}
	if kept, err := r.store.Session(t.Context(), r.req.Key()); err != nil || kept != first.Entry {
		t.Fatalf("cached item changed: %+v %v", kept, err)
	}
}

// A store that fails returns the credentials fetched, NotCached for the store's reason; a
// NotCached the fetch said (what it used was not cached) is said first.
func TestRefreshStoreFailureIsNotCached(t *testing.T) {
	fail := fmt.Errorf("%w: keyring locked", keyring.ErrNoKeyring)
	for _, earlier := range []*NotCached{nil, {Profile: "work", Device: "the session", Err: errors.New("earlier")}} {
		r := newRig(t)
		r.p.Store = &cache.Store{Keyring: failingSets{Keyring: r.store.Keyring.(*cachetest.Keyring), err: fail}, LockDir: r.store.LockDir}
		src := &stub{now: r.clock.now, notCached: earlier}
		out, err := r.p.refresh(context.Background(), r.req, hit.Process, src)
		if err != nil || out.AccessKeyID != "ASIASTUB1" || out.NotCached == nil {
			t.Fatalf("err %v, out %+v", err, out)
		}
		want := fail
		if earlier != nil {
			want = earlier.Err
		}
		if !errors.Is(out.NotCached, want) {
			t.Fatalf("NotCached = %v, want %v", out.NotCached, want)
		}
	}
}

// Each flow is a source of refresh with its own lock: an MFA session and a Direct role queue on
// the device (each sends a code), a role on a session and a role on an aws login session on
// the role's item; a role on an MFA session renews that session through refresh too.
func TestSourcesAndTheirLocks(t *testing.T) {
	r := newRig(t)
	role := r.req
	role.Profile = "prod"
	role.Role = &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", Duration: 3600}
	direct := role
	direct.Role = &awsconfig.Role{ARN: role.Role.ARN, Duration: 3600, Direct: true}
	login := role
	login.Login = &awsconfig.Login{Profile: "signin", Session: "arn:aws:iam::123456789012:user/alice"}
	for _, tc := range []struct {
		r    Request
		kind string
		lock string
	}{
		{r.req, "session.mfaSession", "device|" + r.req.Device},
		{role, "session.role", "role|" + string(role.Key())},
		{direct, "session.role", "device|" + r.req.Device},
		{login, "session.loginRole", "role|" + string(login.Key())},
	} {
		src := r.p.sourceOf(tc.r, Options{})
		if name, _ := src.lock(); fmt.Sprintf("%T", src) != tc.kind || name != tc.lock {
			t.Errorf("%s: %T with lock %q, want %s with %q", tc.r.Profile, src, name, tc.kind, tc.lock)
		}
	}
	l := &locks{Store: r.store}
	r.p.Store = l
	if _, err := r.p.Credentials(context.Background(), role); err != nil {
		t.Fatal(err)
	}
	if want := []string{"role|" + string(role.Key()), "device|" + r.req.Device}; !slices.Equal(l.names, want) {
		t.Fatalf("locks %v, want %v", l.names, want)
	}
}
