package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/credproc"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
)

var processCmd = &command{
	name:    "process",
	args:    "--profile NAME",
	summary: "print session credentials for credential_process",
	help: `Prints the credential_process JSON of the profile's MFA session on stdout, from the
keyring cache while it has more than 15 minutes left, else from a new GetSessionToken with a
code from the stored seed, mfa_process, or the terminal (in that order).

With mfacred_role_arn, prints the credentials of that role instead, assumed with the MFA
session of mfacred_source_profile (so no further code) and cached in the same way.

Profile settings: mfa_serial, mfa_process, region, mfacred_source_profile,
mfacred_duration_seconds (1800..129600, default 43200); for roles mfacred_role_arn,
mfacred_external_id, mfacred_role_session_name (default: the IAM user's name),
mfacred_role_duration_seconds (default 3600, the most AWS allows from a session),
mfacred_role_direct (true: assume from the long-term keys with a code of its own, up to
the role's MaxSessionDuration), mfacred_session_tags (key1=value1,key2=value2),
mfacred_transitive_session_tags (key1,key2), mfacred_source_identity.`,
	run: runProcess,
}

func runProcess(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := cli.ProfileFlag(fs)
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	p, entry, err := e.credentials(ctx, *profile)
	if err != nil {
		return err
	}
	return credproc.Print(e.io.Out, entry, hit.Of(p).Account())
}

// credentials returns the credentials of a profile (session.OfProfile), with the ways out of
// a missing code or missing keys, and says once why they are stale or were not cached.
func (e *env) credentials(ctx context.Context, profile string) (*awsconfig.Profile, cache.Entry, error) {
	p, out, err := session.OfProfile(ctx, e.store, profile)
	if err != nil {
		if p != nil {
			err = e.explainNoCode(ctx, p, err)
		}
		return p, cache.Entry{}, err
	}
	e.warn(out)
	return p, out.Entry, nil
}

// warn says why credentials about to be used are stale or were not cached, if they are.
func (e *env) warn(out session.Outcome) {
	if w := out.Warning(); w != nil {
		fmt.Fprintf(e.io.Err, "mfacred: %v\n", w)
	}
}

// explainNoCode adds the ways out to a missing terminal, once, here at the edge.
func (e *env) explainNoCode(ctx context.Context, p *awsconfig.Profile, err error) error {
	if errors.Is(err, prompt.ErrNoTerminal) {
		ways := "run the command in a terminal, or set mfa_process in profile " + p.DeviceProfile
		if !e.store.SessionsOnly(ctx) { // a seed can be stored: one more way
			ways = fmt.Sprintf("run the command in a terminal, set mfa_process in profile %s, or store a seed with `mfacred totp set --profile %s`",
				p.DeviceProfile, shellword.Quote(p.Name))
		}
		return fmt.Errorf("profile %s needs a new MFA code for device %s but there is no terminal or desktop to ask on: %s", p.Name, p.MFASerial, ways)
	}
	if errors.Is(err, session.ErrNoKeys) {
		if e.store.SessionsOnly(ctx) {
			return fmt.Errorf("%w (the kernel keyring holds sessions only): put the keys in a profile of the credentials file and name it in mfacred_source_profile of profile %s", err, p.Name)
		}
		return fmt.Errorf("%w: run `mfacred add %s`", err, shellword.Quote(p.KeySource))
	}
	return err
}

func (e *env) provider(_ context.Context, _ *awsconfig.Files, p *awsconfig.Profile) *session.Provider {
	return session.ForProfile(e.store, p)
}

// loadProfile reads the AWS config files and resolves one profile.
var loadProfile = session.LoadProfile
