// Package setup sets a profile up from nothing, top to bottom: read the IAM user's long-term
// keys, ask AWS whose they are and which MFA devices the user has (iamuser.Find), choose the
// device (iamuser.Devices.Choose, or the person on the terminal), store the keys, write
// credential_process and mfa_serial into the profile (awsconfig), offer to store a TOTP seed.
// Add is the keys step alone, for `mfacred add`.
package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/internal/cmdline"
	"github.com/mfacred/mfacred/internal/shellword"
)

// Options are what `mfacred setup` was asked to do.
type Options struct {
	Profile  string
	FromEnv  bool   // read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
	Serial   string // the device to use ("": the only one, or the person's choice)
	MoveKeys bool   // remove the profile's static keys from the files
	// Tags (key1=value1,key2=value2), TransitiveTags (key1,key2) and SourceIdentity: with a
	// role, its AssumeRole options, written as awsconfig.TaggingLines says.
	Tags, TransitiveTags, SourceIdentity string
}

// Setup sets profiles up in one keyring and the AWS config files (awsconfig.Load).
type Setup struct {
	Store *cache.Store
	Front string    // the mfacred binary credential_process runs
	Log   io.Writer // what setup did, one "mfacred: ..." line each
	// Credentials gets a profile's credentials as `mfacred process` does, for Prove.
	Credentials func(ctx context.Context, profile string) (*awsconfig.Profile, cache.Entry, error)
}

// Run sets the profile up; the profile is written only after AWS accepted the keys and a
// device was chosen. A profile `aws login` wrote is refused first (ErrLoginProfile).
func (s *Setup) Run(ctx context.Context, o Options) error {
	name := o.Profile
	line, err := cmdline.CredentialProcess(s.Front, name, runtime.GOOS)
	if err == nil {
		_, err = awsconfig.ConfigSection(name)
	}
	if err != nil {
		return fmt.Errorf("profile %q cannot be set up: %w", name, err)
	}
	files, err := awsconfig.Load()
	if err != nil {
		return err
	}
	if err := notLogin(files, name); err != nil {
		return err
	}
	if err := notOnLogin(files, name); err != nil {
		return err
	}
	if s.Store.SessionsOnly(ctx) {
		return fmt.Errorf("profile %s: setup stores long-term keys, and %s holds sessions only: put the keys in a profile of the credentials file, name it in mfacred_source_profile, and set mfa_serial by hand (`mfacred doctor --profile %s` lists your devices)",
			name, s.Store.KeyringName(), shellword.Quote(name))
	}
	keys, err := ReadKeys(ctx, name, o.FromEnv)
	if err != nil {
		return err
	}
	cfg, err := awsclient.Config(ctx, Target(files, name), keys)
	if err != nil {
		return err
	}
	devs, err := findDevices(ctx, name, cfg)
	if err != nil {
		return err
	}
	for _, f := range devs.FIDO {
		s.logf("leaving out %s: a FIDO security key, which works only in the console, not with STS", f)
	}
	device, err := s.chooseDevice(ctx, name, devs, o.Serial)
	if err != nil {
		return err
	}
	if err := s.Store.PutKeys(ctx, name, keys); err != nil {
		return err
	}
	s.logf("stored the keys of %s (access key %s) in the keyring", devs.User, keys.AccessKeyID)
	if err := s.writeProfile(files, name, line, device); err != nil {
		return err
	}
	if err := s.staticKeys(files, name, o.MoveKeys); err != nil {
		return err
	}
	s.offerSeed(ctx, name, device)
	return nil
}

func (s *Setup) logf(format string, args ...any) {
	fmt.Fprintf(s.Log, "mfacred: "+format+"\n", args...)
}

// Target is whose settings setup's calls to AWS take: those of the profile as far as the
// files have it (its region, endpoints, CA bundle and retries, read by awsconfig with the
// environment on top), and none for a profile that is not there yet.
func Target(files *awsconfig.Files, name string) awsclient.Target {
	if files.Exists(name) {
		return awsclient.Target{Profile: name, Region: files.Get(name, awsconfig.KeyRegion), Files: files}
	}
	return awsclient.Target{}
}

// findDevices asks AWS whose keys these are and lists that user's MFA devices, within one STS
// call's budget (deadline.Call), as add does.
func findDevices(ctx context.Context, profile string, cfg aws.Config) (iamuser.Devices, error) {
	devs, err := iamuser.Find(ctx, cfg, deadline.Call)
	switch {
	case err == nil:
		return devs, nil
	case errors.Is(err, iamuser.ErrTimedOut):
		return devs, fmt.Errorf("profile %s: AWS did not answer within %s (GetCallerIdentity, then iam:ListMFADevices): nothing was stored; check the network, a proxy or AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_IAM", profile, deadline.Call)
	case errors.Is(err, iamuser.ErrRejected):
		return devs, fmt.Errorf("profile %s: AWS does not accept these keys: check the access key id and secret", profile)
	case errors.Is(err, iamuser.ErrListDenied):
		return devs, fmt.Errorf("profile %s: %w (name your device with --mfa-serial, or allow iam:ListMFADevices: `mfacred policy` prints AWS's example)", profile, err)
	}
	return devs, fmt.Errorf("profile %s: %w", profile, err)
}
