package keyring

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A blocked kernel keyring (a keyctl refused by seccomp) names the way out.
func TestKernelBlockedMessage(t *testing.T) {
	err := kernelErr(unix.EPERM)
	if !errors.Is(err, ErrNoKeyring) || !strings.Contains(err.Error(), "allow keyctl, or run a Secret Service") || !strings.Contains(err.Error(), "MFACRED_KEYRING=os") {
		t.Fatalf("%v", err)
	}
}

// A full kernel keyring says which limit was hit and how to raise it.
func TestKernelQuotaMessage(t *testing.T) {
	err := kernelErr(unix.EDQUOT)
	if !errors.Is(err, ErrFull) || !strings.Contains(err.Error(), "/proc/sys/kernel/keys/") || !strings.Contains(err.Error(), "sysctl -w kernel.keys.") {
		t.Fatalf("%v", err)
	}
}
