//go:build !linux

package cache

import (
	"context"
	"errors"
	"time"
)

// KernelKeyring exists on Linux only; elsewhere every call fails.
type KernelKeyring struct{}

var errNoKernelKeyring = errors.New("the kernel keyring exists on Linux only: use MFACRED_KEYRING=os")

// Name says which keyring this is.
func (KernelKeyring) Name() string { return "kernel keyring (Linux only)" }

// SessionsOnly is as on Linux.
func (KernelKeyring) SessionsOnly(context.Context) bool { return true }

// MaxItem is of no use here.
func (KernelKeyring) MaxItem() int { return 0 }

// Get fails: there is no kernel keyring here.
func (KernelKeyring) Get(context.Context, string, string) (string, error) {
	return "", errNoKernelKeyring
}

// Set fails: there is no kernel keyring here.
func (KernelKeyring) Set(context.Context, string, string, string) error { return errNoKernelKeyring }

// Delete fails: there is no kernel keyring here.
func (KernelKeyring) Delete(context.Context, string, string) error { return errNoKernelKeyring }

// SetExpiring fails: there is no kernel keyring here.
func (KernelKeyring) SetExpiring(context.Context, string, string, string, time.Time) error {
	return errNoKernelKeyring
}
