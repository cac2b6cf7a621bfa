package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
)

type fullStore struct{ *cache.Store }

func (fullStore) PutSession(context.Context, cache.Key, cache.Entry) error {
	return fmt.Errorf("store session: %w: the kernel keyring's quota for this user is used up", cache.ErrFull)
}

// Credentials just obtained are returned even when the keyring has no room for them, with
// one warning that names the profile and the limit.
func TestFullKeyringStillReturnsCredentials(t *testing.T) {
	r := newRig(t)
	r.p.Store = fullStore{r.store}
	var warned []error
	r.p.Warn = func(err error) { warned = append(warned, err) }
	e, err := r.p.Credentials(context.Background(), r.req)
	if err != nil || e.AccessKeyID == "" {
		t.Fatalf("credentials thrown away: %+v %v", e, err)
	}
	if len(warned) != 1 || !errors.Is(warned[0], cache.ErrFull) || !strings.Contains(warned[0].Error(), "profile work") {
		t.Fatalf("warnings: %v", warned)
	}
}

type unrecordedCodes struct{ *cache.Store }

func (unrecordedCodes) MarkCodeUsed(device, code string, at time.Time) error {
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
