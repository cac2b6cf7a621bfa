package setup

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/awsconfig/edit"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/prompt"
)

// chooseDevice picks the device: serial, the only one, or the person's choice on the terminal.
func (s *Setup) chooseDevice(ctx context.Context, profile string, d iamuser.Devices, serial string) (string, error) {
	device, err := d.Choose(serial)
	switch {
	case err == nil && serial == "":
		s.logf("using %s, the only MFA device of %s", device, d.User)
		return device, nil
	case err == nil:
		return device, nil
	case errors.Is(err, iamuser.ErrNotTheirs) && errors.Is(err, iamuser.ErrNoUsable):
		return "", fmt.Errorf("profile %s: device %s is not one of the MFA devices of %s, which has none STS can use", profile, serial, d.User)
	case errors.Is(err, iamuser.ErrNotTheirs):
		return "", fmt.Errorf("profile %s: device %s is not one of the MFA devices of %s: %s", profile, serial, d.User, d)
	case errors.Is(err, iamuser.ErrNoUsable):
		return "", fmt.Errorf("profile %s: %s has no MFA device STS can use: add a virtual (authenticator app) or hardware TOTP device in the IAM console, then run setup again", profile, d.User)
	}
	return s.askDevice(ctx, profile, d)
}

// askDevice lets the person pick one of several devices on the terminal.
func (s *Setup) askDevice(ctx context.Context, profile string, d iamuser.Devices) (string, error) {
	var q strings.Builder
	fmt.Fprintf(&q, "%s has %d MFA devices:\n", d.User, len(d.Usable))
	for i, serial := range d.Usable {
		fmt.Fprintf(&q, "  %d) %s  %s\n", i+1, iamuser.DeviceName(serial), serial)
	}
	fmt.Fprintf(&q, "Device for profile %s [1-%d]: ", profile, len(d.Usable))
	for {
		answer, err := prompt.Ask(ctx, q.String(), false)
		if errors.Is(err, prompt.ErrNoTerminal) {
			s.logf("%s has %d MFA devices:", d.User, len(d.Usable))
			for _, serial := range d.Usable {
				fmt.Fprintf(s.Log, "  %s\t%s\n", iamuser.DeviceName(serial), serial)
			}
			return "", fmt.Errorf("profile %s: several MFA devices and no terminal to choose on: pick one with `mfacred setup --profile %s --mfa-serial SERIAL`", profile, shellword.Quote(profile))
		} else if err != nil {
			return "", err
		}
		if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(d.Usable) {
			return d.Usable[n-1], nil
		}
		q.Reset()
		fmt.Fprintf(&q, "Type a number from 1 to %d: ", len(d.Usable))
	}
}

// writeProfile sets credential_process and mfa_serial in the profile, editing the file in
// place and atomically; an unchanged file is not written.
func (s *Setup) writeProfile(files *awsconfig.Files, profile, line, device string) error {
	section, err := awsconfig.ConfigSection(profile)
	if err != nil {
		return err
	}
	path := files.ConfigPath
	wrote, err := edit.File(path, func(old []byte) []byte {
		return edit.SetKeys(old, section,
			awsconfig.KV{Key: "credential_process", Value: line},
			awsconfig.KV{Key: awsconfig.KeyMFASerial, Value: device})
	})
	switch {
	case err != nil:
		return err
	case wrote:
		s.logf("wrote credential_process and mfa_serial = %s into profile %s in %s", device, profile, path)
	default:
		s.logf("profile %s in %s is set up already", profile, path)
	}
	for _, c := range files.SDKConflicts(profile) {
		s.logf("warning: %v", c)
	}
	return nil
}

// staticKeys removes the profile's static keys from the files with move, or warns that they
// shadow credential_process.
func (s *Setup) staticKeys(files *awsconfig.Files, profile string, move bool) error {
	k, ok, _ := files.StaticKeys(profile)
	if !ok {
		return nil
	}
	if !move {
		s.logf("warning: %s has static keys for profile %s, which the AWS CLI uses instead of credential_process: run setup again with --move-keys to remove them (they are in the keyring now)", k.File, profile)
		return nil
	}
	section, err := awsconfig.ConfigSection(profile)
	if err != nil {
		return err
	}
	for _, f := range []struct{ path, section string }{
		{files.CredentialsPath, profile},
		{files.ConfigPath, section},
	} {
		wrote, err := edit.File(f.path, func(old []byte) []byte {
			return edit.DeleteKeys(old, f.section, "aws_access_key_id", "aws_secret_access_key", "aws_session_token")
		})
		if err != nil {
			return err
		}
		if wrote {
			s.logf("removed the static keys of profile %s from %s", profile, f.path)
		}
	}
	return nil
}

// offerSeed offers, on a terminal only, to store the device's TOTP seed.
func (s *Setup) offerSeed(ctx context.Context, profile, device string) {
	if _, err := s.Store.Seed(ctx, device); err == nil {
		return
	}
	answer, err := prompt.Ask(ctx, fmt.Sprintf("Store the TOTP seed of %s so that mfacred makes the codes itself?\n"+
		"Then whoever can read your keyring has both factors. [y/N]: ", device), false)
	if err != nil || !strings.HasPrefix(strings.ToLower(answer), "y") {
		return
	}
	raw, err := prompt.Ask(ctx, "TOTP seed (base32 or otpauth:// URI): ", true)
	if err == nil {
		var seed string
		if seed, err = prompt.ParseSeed(raw); err == nil {
			err = s.Store.PutSeed(ctx, device, seed)
		}
	}
	if err != nil {
		s.logf("seed not stored: %v (store it later with `mfacred totp set --profile %s`)", err, shellword.Quote(profile))
		return
	}
	s.logf("stored the seed of %s", device)
}
