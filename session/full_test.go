package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/cache"
)

type fullStore struct{ *cache.Store }

func (fullStore) PutSession(context.Context, cache.Key, cache.Entry) error {
	return fmt.Errorf("store session: %w: the kernel keyring's quota for this user is used up", cache.ErrFull)
}

// Credentials just obtained are returned even when the keyring has no room for them, with
// one warning that names the profile and the limit (issue 10 defect 3).
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
