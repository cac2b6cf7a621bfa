package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/console"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
)

var loginCmd = &command{
	name:    "login",
	args:    "--profile NAME [--destination SERVICE|PATH|URL] [--duration D] [--stdout]",
	summary: "open the AWS console as the profile's role",
	help: `Opens the AWS Management Console in the browser as the role of a profile with
mfacred_role_arn, with its role credentials (cached, or assumed with the MFA session: no
second code while that lives). The credentials are exchanged at the federation endpoint of
the role's partition for a sign-in token; the sign-in URL reaches the browser through a
one-shot link on 127.0.0.1, never as a program argument. --stdout prints the URL instead:
whoever has it is signed in as the role for 15 minutes.

--destination: a service name (s3), a console path (/ec2/home#Instances) or a console URL;
the profile's region is added. --duration: the console session's length, 15m..12h (or
seconds). A role assumed with the MFA session is role chaining: AWS caps it at one hour and
the console session ends with its credentials. With mfacred_role_direct = true the console
session may last up to 12h.

MFACRED_FEDERATION_ENDPOINT replaces the federation endpoint where the token is asked for
(https, or http to a loopback address; for tests).`,
	run: runLogin,
}

func runLogin(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := profileFlag(fs)
	dest := fs.String("destination", "", "a service name (s3), a console path (/s3/home) or a console URL (default: the console's home)")
	durationFlag := fs.String("duration", "", "the console session's length, 15m..12h, or seconds (default: as long as the role credentials)")
	toStdout := fs.Bool("stdout", false, "print the sign-in URL on stdout instead of opening the browser")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := consoleDuration(*durationFlag)
	if err != nil {
		return err
	}
	endpoint := os.Getenv("MFACRED_FEDERATION_ENDPOINT")
	if endpoint != "" {
		if err := console.CheckEndpoint(endpoint); err != nil {
			return fmt.Errorf("MFACRED_FEDERATION_ENDPOINT: %w", err)
		}
	}
	files, p, err := loadProfile(*profile)
	if err != nil {
		return err
	}
	if p.Role == nil {
		return fmt.Errorf("profile %s has no mfacred_role_arn: a console sign-in URL needs role (or federation) credentials, and GetFederationToken, the only way to federation credentials from an IAM user's keys, cannot carry MFA, so a deny-unless-MFA policy refuses them; sign in to the console as the IAM user with your MFA device, or make a role profile (mfacred_source_profile = %s, mfacred_role_arn = ...) and run `mfacred login` with it", p.Name, p.Name)
	}
	part, err := console.PartitionOf(p.Role.ARN)
	if err != nil {
		return fmt.Errorf("profile %s: mfacred_role_arn: %w", p.Name, err)
	}
	destination, err := console.Destination(part, p.Region, *dest)
	if err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}

	r := hit.For(files, p)
	roleLife := time.Duration(p.Role.Duration) * time.Second
	minLeft, sessionDuration, err := console.Length(!p.Role.Direct, roleLife, d)
	switch {
	case errors.Is(err, console.ErrChainingCap):
		return fmt.Errorf("profile %s: a console session of %s is more than role chaining allows: the role is assumed with the MFA session, AWS caps such role credentials at one hour, and the console session ends with them; ask for --duration 1h or less, or set mfacred_role_direct = true in profile %s for console sessions of up to 12h (one MFA code per role)", p.Name, d, p.Name)
	case errors.Is(err, console.ErrOutlasts):
		return fmt.Errorf("profile %s: a console session of %s outlasts its role credentials (mfacred_role_duration_seconds = %d), and with role chaining the console session ends with them; ask for --duration %s or less, or raise mfacred_role_duration_seconds (3600 at most)", p.Name, d, p.Role.Duration, roleLife)
	}
	r.MinLeft = minLeft
	cctx, cancel := context.WithTimeout(ctx, deadline.Process)
	defer cancel()
	entry, err := e.provider(cctx, files, p).Credentials(cctx, r)
	if err != nil {
		return e.explainNoCode(cctx, p, err)
	}
	e.warn(entry)

	fed := console.Federation{Endpoint: endpoint}
	if cfg, err := awsclient.Config(cctx, awsclient.For(p), entry.Credentials); err == nil && cfg.HTTPClient != nil {
		fed.HTTP = cfg.HTTPClient // AWS_CA_BUNDLE and HTTPS_PROXY, as for STS
	}
	token, err := fed.SigninToken(cctx, part, entry.Credentials, sessionDuration)
	if errors.Is(err, console.ErrRefused) {
		return fmt.Errorf("profile %s, role %s: %w: if the role session was revoked, run `mfacred clear --profile %s` and try again", p.Name, p.Role.ARN, err, p.Name)
	}
	if err != nil {
		return fmt.Errorf("profile %s: %w", p.Name, err)
	}
	signin := console.URL(part, destination, token)

	ends := entry.Expiration
	if sessionDuration != 0 {
		ends = time.Now().Add(sessionDuration)
	}
	done := fmt.Sprintf("the console session as %s ends at %s (in %s)", p.Role.ARN, ends.Local().Format("15:04 MST"), time.Until(ends).Round(time.Minute))
	if *toStdout {
		fmt.Fprintln(e.io.Out, signin)
		fmt.Fprintf(e.io.Err, "mfacred: whoever has the sign-in URL can sign in with it for 15 minutes; %s\n", done)
		return nil
	}
	if err := console.Handoff(ctx, signin, console.SystemOpener(runtime.GOOS, e.io.Err), console.HandoffTimeout); err != nil {
		if errors.Is(err, console.ErrNotFetched) {
			return fmt.Errorf("profile %s: %w: run `mfacred login --profile %s --stdout` and open the URL yourself", p.Name, err, p.Name)
		}
		return fmt.Errorf("profile %s: open the console: %w (or print the URL with --stdout)", p.Name, err)
	}
	fmt.Fprintf(e.io.Err, "mfacred: opened the console in the browser; %s\n", done)
	return nil
}

// consoleDuration parses --duration: a Go duration (90m, 8h) or whole seconds.
func consoleDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if n, nerr := strconv.Atoi(s); nerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("--duration %q: not a duration like 1h or 90m, nor seconds", s)
	case d%time.Second != 0:
		return 0, fmt.Errorf("--duration %s: whole seconds only", s)
	case d < console.MinSession || d > console.MaxSession:
		return 0, fmt.Errorf("--duration %s: a console session lasts from 15m to 12h", s)
	}
	return d, nil
}
