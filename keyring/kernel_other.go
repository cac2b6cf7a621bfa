//go:build !linux

package keyring

import (
	"context"
	"errors"
	"time"
)

// Kernel exists on Linux only; elsewhere every call fails.
type Kernel struct{}

var errNoKernelKeyring = errors.New("the kernel keyring exists on Linux only: use MFACRED_KEYRING=os")

// Name says which keyring this is.
func (Kernel) Name() string { return "kernel keyring (Linux only)" }

// SessionsOnly is as on Linux.
func (Kernel) SessionsOnly(context.Context) bool { return true }

// MaxItem is of no use here.
func (Kernel) MaxItem() int { return 0 }

// Get fails: there is no kernel keyring here.
func (Kernel) Get(context.Context, string, string) (string, error) {
	return "", errNoKernelKeyring
}

// Set fails: there is no kernel keyring here.
func (Kernel) Set(context.Context, string, string, string) error { return errNoKernelKeyring }

// Delete fails: there is no kernel keyring here.
func (Kernel) Delete(context.Context, string, string) error { return errNoKernelKeyring }

// SetExpiring fails: there is no kernel keyring here.
func (Kernel) SetExpiring(context.Context, string, string, string, time.Time) error {
	return errNoKernelKeyring
}
