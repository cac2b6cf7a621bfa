package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/keyring"
)

type fullStore struct{ *cache.Store }

func (fullStore) PutSession(context.Context, cache.Key, cache.Entry) error {
	return fmt.Errorf("store session: %w: the kernel keyring's quota for this user is used up", keyring.ErrFull)
}

// Credentials just obtained are returned even when the keyring has no room for them, with
// one warning that names the profile and the limit.
func TestFullKeyringStillReturnsCredentials(t *testing.T) {
	r := newRig(t)
	r.p.Store = fullStore{r.store}
	out, err := r.p.Credentials(context.Background(), r.req)
	if err != nil || out.AccessKeyID == "" {
		t.Fatalf("credentials thrown away: %+v %v", out, err)
	}
	w := out.Warning()
	if out.NotCached == nil || out.Stale != nil || !errors.Is(w, keyring.ErrFull) || !errors.Is(w, ErrNotCached) || !strings.Contains(w.Error(), "profile work") {
		t.Fatalf("outcome: not cached %v, stale %v", out.NotCached, out.Stale)
	}
}

type unrecordedCodes struct{ *cache.Store }

func (unrecordedCodes) MarkCodeUsed(_ context.Context, device, code string, at time.Time) error {
	return fmt.Errorf("record the code sent for device %s: rename: access is denied", device)
}

// A code that cannot be recorded as used is not sent: sent unrecorded, it could be sent again.
func TestUnrecordedCodeIsNotSent(t *testing.T) {
	r := newRig(t)
	r.p.Store = unrecordedCodes{r.store}
	_, err := r.p.Credentials(context.Background(), r.req)
	if err == nil || !strings.Contains(err.Error(), "profile work: record the code sent") {
		t.Fatalf("err = %v", err)
	}
	if len(r.sts.calls) != 0 {
		t.Fatalf("%d calls reached STS with an unrecorded code", len(r.sts.calls))
	}
}
