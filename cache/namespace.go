package cache

import (
	"context"
	"errors"
	"fmt"

	"github.com/mfacred/mfacred/keyring"
)

// NamespaceEnv names a namespace that keeps a set of items apart from the usual ones: every
// keyring item under the service "mfacred-NAME" and the lock files in the folder
// "mfacred-NAME" of the user cache dir. `mfacred demo` runs its binaries in a throwaway one,
// so that it neither sees nor touches the user's own sessions and keys.
const NamespaceEnv = "MFACRED_NAMESPACE"

// validNamespace reports whether ns is 1 to 32 lower-case ASCII letters, digits and dashes,
// not starting with a dash: ^[a-z0-9][a-z0-9-]{0,31}$, checked by hand so that the fast
// binary links no regexp and compiles none at start-up (TestValidNamespaceIsTheRegexp).
func validNamespace(ns string) bool {
	if len(ns) == 0 || len(ns) > 32 || ns[0] == '-' {
		return false
	}
	for i := 0; i < len(ns); i++ {
		if c := ns[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ForNamespace is the Store of namespace ns on kr: "" is the usual one (service "mfacred",
// lock files in DefaultLockDir).
func ForNamespace(kr keyring.Keyring, ns string) (*Store, error) {
	if ns == "" {
		return &Store{Keyring: kr, LockDir: DefaultLockDir()}, nil
	}
	if !validNamespace(ns) {
		return nil, fmt.Errorf("%s=%q: want 1 to 32 lower-case letters, digits and dashes", NamespaceEnv, ns)
	}
	return &Store{Keyring: kr, Service: Service + "-" + ns, LockDir: DefaultLockDir() + "-" + ns}, nil
}

// Purge deletes every item of a namespace's Store: all the keyring lists under its service,
// or, where the keyring cannot list, the items of the record, the given keys (long-term keys
// and seeds, which the record does not hold) and the record itself. It refuses the usual
// Store, whose items are the user's.
func (s *Store) Purge(ctx context.Context, also ...Key) error {
	if s.service() == Service {
		return errors.New("purge: refused for mfacred's own items")
	}
	if l, ok := s.Keyring.(keyring.Lister); ok {
		users, err := l.List(ctx, s.service())
		if err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		for _, u := range users {
			if err := s.Keyring.Delete(ctx, s.service(), u); err != nil && !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("purge %s: %w", u, err)
			}
		}
		return nil
	}
	cached, err := s.Cached(ctx)
	if err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	for _, k := range append(append(cached, also...), indexKey) {
		if err := s.del(ctx, k); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("purge %s: %w", k, err)
		}
	}
	return nil
}
