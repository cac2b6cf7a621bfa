package cache

import (
	"context"
	"strings"
)

// mapKeyring is an in-memory Keyring for this package's tests (other packages use
// internal/cachetest, which imports this package and so cannot be imported here).
type mapKeyring map[string]string

func (m mapKeyring) Get(_ context.Context, service, user string) (string, error) {
	v, ok := m[service+"\x00"+user]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (m mapKeyring) Set(_ context.Context, service, user, secret string) error {
	m[service+"\x00"+user] = secret
	return nil
}

func (m mapKeyring) Delete(_ context.Context, service, user string) error {
	if _, ok := m[service+"\x00"+user]; !ok {
		return ErrNotFound
	}
	delete(m, service+"\x00"+user)
	return nil
}

// users lists the item names held for service.
func (m mapKeyring) users(service string) []string {
	var out []string
	for k := range m {
		if s, u, _ := strings.Cut(k, "\x00"); s == service {
			out = append(out, u)
		}
	}
	return out
}

var ctx = context.Background()
