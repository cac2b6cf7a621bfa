//go:build !darwin

package cache

import (
	"context"

	"github.com/zalando/go-keyring"
)

// The OS keyring's calls through go-keyring: the Secret Service on Linux, the Credential
// Manager on Windows. Neither can be cancelled; OSKeyring.call bounds them.

func osGet(_ context.Context, service, user string) (string, error) {
	return keyring.Get(service, user)
}

func osSet(_ context.Context, service, user, secret string) error {
	return keyring.Set(service, user, secret)
}

func osDelete(_ context.Context, service, user string) error {
	return keyring.Delete(service, user)
}
