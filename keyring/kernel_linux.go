//go:build linux

package keyring

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Kernel keeps items in the Linux kernel's per-user keyring (keyutils): in memory only, never
// on disk, reachable by the user's processes, gone at reboot. An item stored with an expiry is
// removed by the kernel at that time. It holds sessions only: long-term keys and seeds do not
// belong in a cache that vanishes, so a Store over it (cache.Store) refuses them (SessionsOnly).
type Kernel struct{}

// Name says which keyring this is.
func (Kernel) Name() string { return "Linux kernel keyring (user keyring, keyutils)" }

// SessionsOnly: long-term keys and seeds do not belong in a cache that vanishes at reboot.
func (Kernel) SessionsOnly(context.Context) bool { return true }

// MaxItem keeps items well inside the user's kernel key quota (20000 bytes by default).
func (Kernel) MaxItem() int { return 8000 }

// permissions: the possessor and the user (this uid's processes) may use the key, no one else.
const kernelPerm = 0x3f3f0000

func kernelDesc(service, user string) string { return service + ":" + user }

func kernelErr(err error) error {
	if errors.Is(err, unix.EDQUOT) {
		return fmt.Errorf("%w: %s", ErrFull, kernelQuota())
	}
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%w: the kernel keyring is blocked (%v; a container's seccomp profile may forbid keyctl): "+
			"allow keyctl, or run a Secret Service (gnome-keyring on a D-Bus session bus) and set MFACRED_KEYRING=os", ErrNoKeyring, err)
	}
	return fmt.Errorf("%w: kernel keyring: %v", ErrNoKeyring, err)
}

// kernelQuota says which of the kernel's per-user key limits apply and how to raise them
// (docs/aws-contract.md §5).
func kernelQuota() string {
	bytesFile, keysFile := "maxbytes", "maxkeys"
	if os.Geteuid() == 0 {
		bytesFile, keysFile = "root_maxbytes", "root_maxkeys"
	}
	read := func(name string) string {
		b, err := os.ReadFile("/proc/sys/kernel/keys/" + name)
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("the kernel keyring's quota for this user is used up (%s bytes in /proc/sys/kernel/keys/%s, %s keys in %s): "+
		"raise it, e.g. `sudo sysctl -w kernel.keys.%s=200000`, or use MFACRED_KEYRING=os",
		read(bytesFile), bytesFile, read(keysFile), keysFile, bytesFile)
}

func (Kernel) find(service, user string) (int, error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", kernelDesc(service, user), 0)
	switch {
	case errors.Is(err, unix.ENOKEY), errors.Is(err, unix.EKEYEXPIRED), errors.Is(err, unix.EKEYREVOKED):
		return 0, ErrNotFound
	case err != nil:
		return 0, kernelErr(err)
	}
	return id, nil
}

// Get reads one item.
func (k Kernel) Get(ctx context.Context, service, user string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoKeyring, err)
	}
	id, err := k.find(service, user)
	if err != nil {
		return "", err
	}
	for size := 2048; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
		switch {
		case errors.Is(err, unix.ENOKEY), errors.Is(err, unix.EKEYEXPIRED), errors.Is(err, unix.EKEYREVOKED):
			return "", ErrNotFound
		case err != nil:
			return "", kernelErr(err)
		case n <= size:
			return string(buf[:n]), nil
		}
	}
}

// Set writes one item that does not expire.
func (k Kernel) Set(ctx context.Context, service, user, secret string) error {
	return k.SetExpiring(ctx, service, user, secret, time.Time{})
}

// SetExpiring writes one item that the kernel removes at expires (never, if zero).
func (k Kernel) SetExpiring(ctx context.Context, service, user, secret string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrNoKeyring, err)
	}
	timeout := 0
	if !expires.IsZero() {
		if !expires.After(time.Now()) {
			return k.Delete(ctx, service, user)
		}
		timeout = int(math.Ceil(time.Until(expires).Seconds()))
	}
	id, err := unix.AddKey("user", kernelDesc(service, user), []byte(secret), unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return kernelErr(err)
	}
	if err := unix.KeyctlSetperm(id, kernelPerm); err != nil {
		return kernelErr(err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, timeout, 0, 0); err != nil {
		return kernelErr(err)
	}
	return nil
}

// Delete removes one item; a missing item is ErrNotFound.
func (k Kernel) Delete(ctx context.Context, service, user string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrNoKeyring, err)
	}
	id, err := k.find(service, user)
	if err != nil {
		return err
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
		return kernelErr(err)
	}
	return nil
}
