//go:build !darwin

package keyring

import (
	"context"

	gokeyring "github.com/zalando/go-keyring"
)

// The OS keyring's calls through go-keyring: the Secret Service on Linux, the Credential
// Manager on Windows. Neither can be cancelled; OS.call bounds them.

func osGet(_ context.Context, service, user string) (string, error) {
	return gokeyring.Get(service, user)
}

func osSet(_ context.Context, service, user, secret string) error {
	return gokeyring.Set(service, user, secret)
}

func osDelete(_ context.Context, service, user string) error {
	return gokeyring.Delete(service, user)
}
