//go:build darwin

package keyring

import "context"

// The macOS keychain through /usr/bin/security, run by mfacred itself (keychain.go) rather
// than by go-keyring, which leaves the child running on a timeout and reads its stderr as
// part of a secret.
const securityPath = "/usr/bin/security"

func osGet(ctx context.Context, service, user string) (string, error) {
	return keychain{program: securityPath}.get(ctx, service, user)
}

func osSet(ctx context.Context, service, user, secret string) error {
	return keychain{program: securityPath}.set(ctx, service, user, secret)
}

func osDelete(ctx context.Context, service, user string) error {
	return keychain{program: securityPath}.del(ctx, service, user)
}
