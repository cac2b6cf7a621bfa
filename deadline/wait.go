package deadline

import (
	"context"
	"errors"
	"time"
)

// Sleep waits d, or less if ctx ends first, and then returns ctx's error (nil after a full
// wait). Every timed wait in mfacred is this one, so that each ends with Ctrl-C or SIGTERM,
// but for two retries shorter than the second a process has to end in, which rule_test.go
// names with their bounds.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Expired reports whether sub, a context made from parent with a deadline of its own (one
// wait's share of the call), ended because that deadline passed — not because parent ended
// (Ctrl-C, or the whole call's deadline), which the caller reports differently.
func Expired(parent, sub context.Context) bool {
	return parent.Err() == nil && errors.Is(sub.Err(), context.DeadlineExceeded)
}
