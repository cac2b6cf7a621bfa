package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/doctor"
	"github.com/mfacred/mfacred/internal/cli"
)

var doctorCmd = &command{
	name:    "doctor",
	args:    "[--profile NAME] [--spend-code]",
	summary: "check a profile's set-up, line by line",
	help: `Checks everything a profile needs and prints one line per check: ok, problem or hint.
Exits 1 if there is a problem. Never prints a secret, and works without a cached session.

Checks: the keyring; the config file; that credential_process runs this mfacred for this
profile, with no role_arn or source_profile beside it; the long-term keys and that AWS accepts
them; the clock against AWS's (TOTP codes need less than 30 s of skew); that mfa_serial is one
of the user's MFA devices (ListMFADevices), naming the real ones if not; with --spend-code, that
the stored seed's code is accepted (this uses up a code); for a role profile, that the role can
be assumed with the cached MFA session (no code spent); the cached session. For a profile on an
aws login session, and for the profile ` + "`aws login`" + ` wrote itself: the token file (owner, mode
0600), the session's end, the role, and the profiles the session serves.`,
	run: runDoctor,
}

func runDoctor(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := cli.ProfileFlag(fs)
	spend := fs.Bool("spend-code", false, "check the stored seed against AWS (uses up one code)")
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, deadline.Process)
	defer cancel()
	self, _ := cli.Front()
	d := doctor.New(e.store, self, func(files *awsconfig.Files, p *awsconfig.Profile) doctor.Probes {
		return e.provider(ctx, files, p)
	})
	results := d.Run(ctx, *profile, *spend)
	for _, r := range results {
		fmt.Fprintf(e.io.Out, "%-8s %s\n", r.Kind, r.Text)
		if r.Fix != "" {
			fmt.Fprintf(e.io.Out, "%-8s %s\n", doctor.Hint, r.Fix)
		}
	}
	if doctor.Problems(results) > 0 {
		return exitError(1)
	}
	return nil
}
