package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/prompt"
)

// `mfacred totp set|remove`: the stored TOTP seed of a profile's device, top to bottom.

// seedDevice is the device whose seed `totp` changes for p: its mfa_serial. A profile on an aws
// login session uses no device (awsconfig.Resolve leaves MFASerial empty), so it has no seed.
func seedDevice(p *awsconfig.Profile, action string) (string, error) {
	if p.Login != nil {
		return "", fmt.Errorf("profile %s: its credentials come from the aws login session of profile %s, which uses no MFA device: no seed to %s",
			p.Name, p.Login.Profile, action)
	}
	return p.MFASerial, nil
}

// RemoveSeed deletes the seed of p's device, and says so on out.
func RemoveSeed(ctx context.Context, store *cache.Store, out io.Writer, p *awsconfig.Profile) error {
	device, err := seedDevice(p, "remove")
	if err != nil {
		return err
	}
	if err := store.DeleteSeed(ctx, device); err != nil {
		if errors.Is(err, cache.ErrNotFound) {
			return fmt.Errorf("profile %s: no seed stored for device %s", p.Name, device)
		}
		return fmt.Errorf("remove seed of device %s: %w", device, err)
	}
	fmt.Fprintf(out, "mfacred: removed the seed of device %s\n", device)
	return nil
}

// StoreSeed reads the seed of p's device from in (or the terminal: prompt.ReadSeed), stores
// it, and shows on out the code it makes now, to compare with the authenticator app.
func StoreSeed(ctx context.Context, store *cache.Store, in io.Reader, out io.Writer, p *awsconfig.Profile) error {
	device, err := seedDevice(p, "set")
	if err != nil {
		return err
	}
	raw, err := prompt.ReadSeed(ctx, in, device)
	if err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	seed, err := prompt.ParseSeed(raw)
	if err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	if err := store.PutSeed(ctx, device, seed); err != nil {
		return err
	}
	fmt.Fprintf(out, "mfacred: stored the seed of device %s; mfacred now makes its codes.\n", device)
	if code, left, err := prompt.CodeNow(seed, time.Now()); err == nil {
		fmt.Fprintf(out, "mfacred: the code now is %s (for %d more seconds): your authenticator app should show the same; if not, the seed was not copied whole: run `mfacred totp set --profile %s` again\n", code, int(left/time.Second), shellword.Quote(p.Name))
	}
	fmt.Fprintln(out, "mfacred: warning: the seed sits beside the long-term keys in the keyring, so MFA is now one factor: whoever can read your keyring has both.")
	return nil
}
