//go:build !linux

package cache

import (
	"errors"
	"time"
)

// KernelKeyring exists on Linux only; elsewhere every call fails.
type KernelKeyring struct{}

var errNoKernelKeyring = errors.New("the kernel keyring exists on Linux only: use MFACRED_KEYRING=os")

// Name says which keyring this is.
func (KernelKeyring) Name() string { return "kernel keyring (Linux only)" }

// SessionsOnly is as on Linux.
func (KernelKeyring) SessionsOnly() bool { return true }

// MaxItem is of no use here.
func (KernelKeyring) MaxItem() int { return 0 }

func (KernelKeyring) Get(string, string) (string, error)                  { return "", errNoKernelKeyring }
func (KernelKeyring) Set(string, string, string) error                    { return errNoKernelKeyring }
func (KernelKeyring) Delete(string, string) error                         { return errNoKernelKeyring }
func (KernelKeyring) SetExpiring(string, string, string, time.Time) error { return errNoKernelKeyring }

func kernelBlocked() error { return errNoKernelKeyring }
