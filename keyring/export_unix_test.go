//go:build unix

package keyring

import "context"

// The keychain driver as the tests of package keyring_test reach it (keychain_standin_test.go:
// they import package cache, which imports this one).

// KeychainOver is the macOS keyring as backend_darwin.go makes it, with its item limit, over a
// given security program.
func KeychainOver(program string) Keyring { return keychainKeyring{keychain{program: program}} }

// keychainKeyring is the driver as a Keyring with the keychain's item limit.
type keychainKeyring struct{ k keychain }

func (kk keychainKeyring) Get(ctx context.Context, service, user string) (string, error) {
	return kk.k.get(ctx, service, user)
}
func (kk keychainKeyring) Set(ctx context.Context, service, user, secret string) error {
	return kk.k.set(ctx, service, user, secret)
}
func (kk keychainKeyring) Delete(ctx context.Context, service, user string) error {
	return kk.k.del(ctx, service, user)
}
func (kk keychainKeyring) MaxItem() int { return maxItemDarwin }

// The driver's command lines, their output's reading and its limits, for
// TestKeychainCommands, which holds them to cache's longest names.
var (
	KeychainFindArgs   = keychainFindArgs
	KeychainDeleteArgs = keychainDeleteArgs
	KeychainAddCommand = keychainAddCommand
	KeychainValue      = keychainValue
	KeychainErr        = keychainErr
	ErrKeychainTooBig  = errKeychainTooBig
)

// MaxItemDarwin is the macOS keychain's item limit (MaxItem).
const MaxItemDarwin = maxItemDarwin
