package keyring

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Auto is the Secret Service until a call finds none on the session bus (a headless
// server with a systemd user bus, say); from then on, in this process, the kernel keyring.
// The first call decides, so a cached call still makes one keyring read.
type Auto struct {
	mu      sync.Mutex
	decided bool
	kernel  bool
}

func (a *Auto) useKernel() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.kernel
}

// settle records what a call of the OS keyring showed, and whether to go on with the kernel.
func (a *Auto) settle(err error) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if errors.Is(err, ErrNoSecretService) {
		a.kernel = true
	}
	a.decided = a.decided || err == nil || a.kernel
	return a.kernel
}

// probeService and probeUser name the item Auto reads to decide when its first call is not a
// read (SessionsOnly, say): the record of cache.Store's usual namespace (cache/record.go). Any
// name would do: a miss shows a Secret Service as well as a hit.
const probeService, probeUser = "mfacred", "index"

func (a *Auto) decide(ctx context.Context) {
	a.mu.Lock()
	decided := a.decided
	a.mu.Unlock()
	if !decided {
		_, err := OS{}.Get(ctx, probeService, probeUser)
		a.settle(err)
	}
}

// Get reads one item.
func (a *Auto) Get(ctx context.Context, service, user string) (string, error) {
	if !a.useKernel() {
		v, err := OS{}.Get(ctx, service, user)
		if !a.settle(err) {
			return v, err
		}
	}
	return Kernel{}.Get(ctx, service, user)
}

// Set writes one item.
func (a *Auto) Set(ctx context.Context, service, user, secret string) error {
	return a.SetExpiring(ctx, service, user, secret, time.Time{})
}

// SetExpiring writes one item; only the kernel keyring makes it expire.
func (a *Auto) SetExpiring(ctx context.Context, service, user, secret string, expires time.Time) error {
	if !a.useKernel() {
		err := OS{}.Set(ctx, service, user, secret)
		if !a.settle(err) {
			return err
		}
	}
	return Kernel{}.SetExpiring(ctx, service, user, secret, expires)
}

// Delete removes one item.
func (a *Auto) Delete(ctx context.Context, service, user string) error {
	if !a.useKernel() {
		err := OS{}.Delete(ctx, service, user)
		if !a.settle(err) {
			return err
		}
	}
	return Kernel{}.Delete(ctx, service, user)
}

// SessionsOnly reports whether the kernel keyring is in use (deciding first).
func (a *Auto) SessionsOnly(ctx context.Context) bool {
	a.decide(ctx)
	return a.useKernel()
}

// Name says which keyring is in use, as far as the calls so far have shown.
func (a *Auto) Name() string {
	if a.useKernel() {
		return Kernel{}.Name() + ", as the session bus has no Secret Service"
	}
	return OS{}.Name()
}

// MaxItem is the item limit of the keyring in use, as far as the calls so far have shown.
func (a *Auto) MaxItem() int {
	if a.useKernel() {
		return Kernel{}.MaxItem()
	}
	return OS{}.MaxItem()
}
