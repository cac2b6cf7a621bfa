package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/console"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/internal/shellword"
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
	profile := cli.ProfileFlag(fs)
	dest := fs.String("destination", "", "a service name (s3), a console path (/s3/home) or a console URL (default: the console's home)")
	durationFlag := fs.String("duration", "", "the console session's length, 15m..12h, or seconds (default: as long as the role credentials)")
	toStdout := fs.Bool("stdout", false, "print the sign-in URL on stdout instead of opening the browser")
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	d, err := console.ParseDuration(*durationFlag)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, deadline.Process)
	defer cancel()
	var prof *awsconfig.Profile // resolved by Login
	signin, ends, err := console.Login{
		Profile: *profile, Load: loadProfile, Destination: *dest, Duration: d, Endpoint: os.Getenv("MFACRED_FEDERATION_ENDPOINT"),
		Credentials: func(ctx context.Context, files *awsconfig.Files, p *awsconfig.Profile, r hit.Request) (cache.Entry, error) {
			prof = p
			out, err := e.provider(ctx, files, p).Credentials(ctx, r)
			if err != nil {
				return cache.Entry{}, e.explainNoCode(ctx, p, err)
			}
			e.warn(out)
			return out.Entry, nil
		},
	}.SignIn(cctx)
	if err != nil {
		return err
	}
	done := fmt.Sprintf("the console session as %s ends at %s (in %s)", prof.Role.ARN, ends.Local().Format("15:04 MST"), time.Until(ends).Round(time.Minute))
	if *toStdout {
		fmt.Fprintln(e.io.Out, signin)
		fmt.Fprintf(e.io.Err, "mfacred: whoever has the sign-in URL can sign in with it for 15 minutes; %s\n", done)
		return nil
	}
	if err := console.Handoff(ctx, signin, console.SystemOpener(runtime.GOOS, e.io.Err), console.HandoffTimeout); err != nil {
		if errors.Is(err, console.ErrNotFetched) {
			return fmt.Errorf("profile %s: %w: run `mfacred login --profile %s --stdout` and open the URL yourself", prof.Name, err, shellword.Quote(prof.Name))
		}
		return fmt.Errorf("profile %s: open the console: %w (or print the URL with --stdout)", prof.Name, err)
	}
	fmt.Fprintf(e.io.Err, "mfacred: opened the console in the browser; %s\n", done)
	return nil
}
