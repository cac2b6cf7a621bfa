package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
)

var setupCmd = &command{
	name:    "setup",
	args:    "--profile NAME [--env] [--mfa-serial SERIAL] [--move-keys] [--login-session PROFILE [--role-arn ARN]] [--verify=false]",
	summary: "store keys, find your MFA device and write the profile",
	help: `Sets a profile up from nothing: stores the IAM user's long-term keys (from the terminal,
or with --env from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), asks AWS which MFA devices the
user has (iam:ListMFADevices, allowed without MFA), and writes credential_process and mfa_serial
into the profile in the config file, keeping every other byte of the file as it was.

FIDO security keys are left out: STS cannot use them. With several usable devices you pick one
on the terminal; without a terminal, setup lists them and stops: pick with --mfa-serial.

Static keys of the profile in the credentials file would shadow credential_process; --move-keys
removes them from there (they are in the keyring now). On a terminal, setup offers to store the
device's TOTP seed. Last, it proves the profile works: one process call (a code) and
GetCallerIdentity.

With --login-session PROFILE (a profile that ` + "`aws login`" + ` signed in, for passkeys and security
keys), setup stores no keys and uses no device: it writes the profile as a bridge serving that
session's credentials, or with --role-arn as a role assumed with them, then proves it works.`,
	run: runSetup,
}

func runSetup(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := profileFlag(fs)
	fromEnv := fs.Bool("env", false, "read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	serial := fs.String("mfa-serial", "", "the MFA device to use; must be one of the user's")
	moveKeys := fs.Bool("move-keys", false, "remove the profile's static keys from the credentials and config files")
	verify := fs.Bool("verify", true, "prove the profile works (spends a code)")
	login := fs.String("login-session", "", "write a profile served from the aws login session of this profile")
	roleARN := fs.String("role-arn", "", "with --login-session: the role to assume with the session")
	if err := parse(fs, args); err != nil {
		return err
	}
	name := *profile
	if *login != "" || *roleARN != "" {
		return setupLogin(ctx, e, name, *login, *roleARN, *fromEnv || *serial != "" || *moveKeys, *verify)
	}
	if _, err := credentialProcess(name); err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	if _, err := awsconfig.ConfigSection(name); err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	if e.store.SessionsOnly(ctx) {
		return fmt.Errorf("profile %s: setup stores long-term keys, and %s holds sessions only: put the keys in a profile of the credentials file, name it in mfacred_source_profile, and set mfa_serial by hand (`mfacred doctor --profile %s` lists your devices)",
			name, cache.KeyringName(e.store.Keyring), name)
	}
	files, err := awsconfig.Load()
	if err != nil {
		return err
	}
	keys, err := readKeys(ctx, name, *fromEnv)
	if err != nil {
		return err
	}
	t := awsclient.Target{}
	if files.Exists(name) {
		t.Region = files.Get(name, awsconfig.KeyRegion)
	}
	cfg, err := awsclient.Config(ctx, t, keys)
	if err != nil {
		return err
	}
	devs, err := lookupUser(ctx, name, cfg)
	if err != nil {
		return err
	}
	for _, f := range devs.FIDO {
		fmt.Fprintf(e.io.Err, "mfacred: leaving out %s: a FIDO security key, which works only in the console, not with STS\n", f)
	}
	device, err := chooseDevice(ctx, e, name, devs, *serial)
	if err != nil {
		return err
	}

	if err := e.store.PutKeys(ctx, name, keys); err != nil {
		return err
	}
	fmt.Fprintf(e.io.Err, "mfacred: stored the keys of %s (access key %s) in the keyring\n", devs.User, keys.AccessKeyID)
	if err := writeProfile(e, files, name, device); err != nil {
		return err
	}
	if err := handleStaticKeys(e, files, name, *moveKeys); err != nil {
		return err
	}
	offerSeed(ctx, e, name, device)
	if !*verify {
		return nil
	}
	return proveProfile(ctx, e, name)
}

// lookupUser asks AWS whose keys these are and lists that user's MFA devices, within one STS
// call's budget (deadline.Call), as add does.
func lookupUser(ctx context.Context, profile string, cfg aws.Config) (iamuser.Devices, error) {
	cctx, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	devs, err := iamuser.Lookup(cctx, cfg)
	switch {
	case err == nil:
		return devs, nil
	case ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded):
		return devs, fmt.Errorf("profile %s: AWS did not answer within %s (GetCallerIdentity, then iam:ListMFADevices): nothing was stored; check the network, a proxy or AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_IAM", profile, deadline.Call)
	}
	return devs, fmt.Errorf("profile %s: %w", profile, explainKeys(err))
}

// explainKeys turns a refusal of the keys into what to do; the caller names the profile.
func explainKeys(err error) error {
	switch {
	case session.KeysRejected(err):
		return errors.New("AWS does not accept these keys: check the access key id and secret")
	case errors.Is(err, iamuser.ErrListDenied):
		return fmt.Errorf("%w (name your device with --mfa-serial, or allow iam:ListMFADevices: `mfacred policy` prints AWS's example)", err)
	}
	return err
}

// chooseDevice picks the device: --mfa-serial, the only one, or the person's choice.
func chooseDevice(ctx context.Context, e *env, profile string, d iamuser.Devices, serial string) (string, error) {
	pick := fmt.Sprintf("`mfacred setup --profile %s --mfa-serial SERIAL`", profile)
	switch {
	case serial != "":
		if !d.Has(serial) {
			if len(d.Usable) == 0 {
				return "", fmt.Errorf("profile %s: device %s is not one of the MFA devices of %s, which has none STS can use", profile, serial, d.User)
			}
			return "", fmt.Errorf("profile %s: device %s is not one of the MFA devices of %s: %s", profile, serial, d.User, d)
		}
		return serial, nil
	case len(d.Usable) == 0:
		return "", fmt.Errorf("profile %s: %s has no MFA device STS can use: add a virtual (authenticator app) or hardware TOTP device in the IAM console, then run setup again", profile, d.User)
	case len(d.Usable) == 1:
		fmt.Fprintf(e.io.Err, "mfacred: using %s, the only MFA device of %s\n", d.Usable[0], d.User)
		return d.Usable[0], nil
	}
	var q strings.Builder
	fmt.Fprintf(&q, "%s has %d MFA devices:\n", d.User, len(d.Usable))
	for i, s := range d.Usable {
		fmt.Fprintf(&q, "  %d) %s  %s\n", i+1, iamuser.DeviceName(s), s)
	}
	fmt.Fprintf(&q, "Device for profile %s [1-%d]: ", profile, len(d.Usable))
	for {
		answer, err := prompt.Ask(ctx, q.String(), false)
		if errors.Is(err, prompt.ErrNoTerminal) {
			fmt.Fprintf(e.io.Err, "mfacred: %s has %d MFA devices:\n", d.User, len(d.Usable))
			for _, s := range d.Usable {
				fmt.Fprintf(e.io.Err, "  %s\t%s\n", iamuser.DeviceName(s), s)
			}
			return "", fmt.Errorf("profile %s: several MFA devices and no terminal to choose on: pick one with %s", profile, pick)
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

// credentialProcess is the credential_process line for a profile, with the absolute path of
// this binary, quoted for the callers on this platform.
func credentialProcess(profile string) (string, error) {
	self, err := frontPath()
	if err != nil {
		return "", err
	}
	return awsconfig.CredentialProcess(self, profile, runtime.GOOS)
}

// writeProfile sets credential_process and mfa_serial in the profile, editing the file in
// place and atomically; an unchanged file is not written.
func writeProfile(e *env, files *awsconfig.Files, profile, device string) error {
	line, err := credentialProcess(profile)
	if err != nil {
		return err
	}
	section, err := awsconfig.ConfigSection(profile)
	if err != nil {
		return err
	}
	path := files.ConfigPath
	wrote, err := awsconfig.EditFile(path, func(old []byte) []byte {
		return awsconfig.SetKeys(old, section,
			awsconfig.KV{Key: "credential_process", Value: line},
			awsconfig.KV{Key: awsconfig.KeyMFASerial, Value: device})
	})
	switch {
	case err != nil:
		return err
	case wrote:
		fmt.Fprintf(e.io.Err, "mfacred: wrote credential_process and mfa_serial = %s into profile %s in %s\n", device, profile, path)
	default:
		fmt.Fprintf(e.io.Err, "mfacred: profile %s in %s is set up already\n", profile, path)
	}
	for _, c := range files.SDKConflicts(profile) {
		fmt.Fprintf(e.io.Err, "mfacred: warning: %v\n", c)
	}
	return nil
}

// handleStaticKeys removes the profile's static keys from the files with --move-keys, or
// warns that they shadow credential_process.
func handleStaticKeys(e *env, files *awsconfig.Files, profile string, move bool) error {
	k, ok, _ := files.StaticKeys(profile)
	if !ok {
		return nil
	}
	if !move {
		fmt.Fprintf(e.io.Err, "mfacred: warning: %s has static keys for profile %s, which the AWS CLI uses instead of credential_process: run setup again with --move-keys to remove them (they are in the keyring now)\n", k.File, profile)
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
		wrote, err := awsconfig.EditFile(f.path, func(old []byte) []byte {
			return awsconfig.DeleteKeys(old, f.section, "aws_access_key_id", "aws_secret_access_key", "aws_session_token")
		})
		if err != nil {
			return err
		}
		if wrote {
			fmt.Fprintf(e.io.Err, "mfacred: removed the static keys of profile %s from %s\n", profile, f.path)
		}
	}
	return nil
}

// offerSeed offers, on a terminal only, to store the device's TOTP seed.
func offerSeed(ctx context.Context, e *env, profile, device string) {
	if _, err := e.store.Seed(ctx, device); err == nil {
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
			err = e.store.PutSeed(ctx, device, seed)
		}
	}
	if err != nil {
		fmt.Fprintf(e.io.Err, "mfacred: seed not stored: %v (store it later with `mfacred totp set --profile %s`)\n", err, profile)
		return
	}
	fmt.Fprintf(e.io.Err, "mfacred: stored the seed of %s\n", device)
}

// proveProfile gets the profile's session as the SDKs will, and asks AWS who it is.
func proveProfile(ctx context.Context, e *env, profile string) error {
	p, entry, err := e.credentials(ctx, profile)
	if err != nil {
		return fmt.Errorf("%w (the profile is written; fix this and run `mfacred doctor --profile %s`)", err, profile)
	}
	client, err := awsclient.STS(ctx, awsclient.For(p), entry.Credentials)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	id, err := client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("profile %s: STS did not answer GetCallerIdentity with the new session within %s (the profile is written; run `mfacred doctor --profile %s`)", profile, deadline.Call, profile)
	case err != nil:
		return fmt.Errorf("profile %s: the new session does not work: %w", profile, err)
	}
	fmt.Fprintf(e.io.Out, "profile %s works: %s, MFA session until %s\n", profile, aws.ToString(id.Arn), entry.Expiration.Local().Format("15:04 MST"))
	return nil
}
