// Package cachetest holds test aids for packages that use the cache: an in-memory keyring.
// Tests only; no production code imports it.
package cachetest

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/mfacred/mfacred/cache"
)

// Keyring is an in-memory keyring.Keyring. The zero value is ready to use.
type Keyring struct {
	mu    sync.Mutex
	items map[string]string
}

func name(service, user string) string { return service + "\x00" + user }

// Get reads one item.
func (m *Keyring) Get(ctx context.Context, service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[name(service, user)]
	if !ok {
		return "", cache.ErrNotFound
	}
	return v, nil
}

// Set writes one item.
func (m *Keyring) Set(ctx context.Context, service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]string{}
	}
	m.items[name(service, user)] = secret
	return nil
}

// Delete removes one item.
func (m *Keyring) Delete(ctx context.Context, service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[name(service, user)]; !ok {
		return cache.ErrNotFound
	}
	delete(m.items, name(service, user))
	return nil
}

// List names every item of service (the Store then keeps no record of its own).
func (m *Keyring) List(ctx context.Context, service string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var users []string
	for k := range m.items {
		if s, u, _ := strings.Cut(k, "\x00"); s == service {
			users = append(users, u)
		}
	}
	return users, nil
}

// Name says which keyring this is.
func (m *Keyring) Name() string { return "in-memory keyring (tests)" }

// NewStore returns a Store over an in-memory keyring with its lock files in dir.
func NewStore(dir string) *cache.Store {
	return &cache.Store{Keyring: &Keyring{}, LockDir: dir}
}

// Limited is an in-memory keyring like the macOS keychain and the Windows Credential Manager:
// it cannot list its items (the Store then keeps a record of them) and refuses an item larger
// than Max bytes (the Store splits those).
type Limited struct {
	Keyring
	Max int
}

// Set writes one item no larger than Max.
func (l *Limited) Set(ctx context.Context, service, user, secret string) error {
	if len(secret) > l.Max {
		return errors.New("data passed to Set was too big")
	}
	return l.Keyring.Set(ctx, service, user, secret)
}

// MaxItem is Max (keyring.Limited).
func (l *Limited) MaxItem() int { return l.Max }

// List is hidden: a keyring that cannot list its items.
func (l *Limited) List() {}

// Name says which keyring this is.
func (l *Limited) Name() string { return "in-memory keyring without listing (tests)" }
