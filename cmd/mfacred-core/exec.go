package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/credserver"
	"github.com/mfacred/mfacred/internal/child"
	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/internal/shellword"
)

var execCmd = &command{
	name:    "exec",
	args:    "[--profile NAME] [--server] -- [COMMAND [ARGS...]]",
	summary: "run a command with the profile's credentials in its environment",
	help: `Runs COMMAND (default: $SHELL; %ComSpec% on Windows) with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION and the profile's region (AWS_REGION,
AWS_DEFAULT_REGION) set, and AWS_PROFILE removed so that the command does not call back into
mfacred. For tools that cannot use profiles. On Linux and macOS mfacred becomes COMMAND
(exec), so its exit code and signals are COMMAND's own; on Windows they are passed through.

The credentials are not renewed while COMMAND runs: they last until
AWS_CREDENTIAL_EXPIRATION (one hour for a role).

With --server, COMMAND gets no keys: it gets AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN (a fresh random token), the address of a credentials server
on 127.0.0.1 that mfacred runs for as long as COMMAND does, renewing the credentials before
they are due; every AWS SDK and the AWS CLI fetch them from it again as needed. mfacred then
stays COMMAND's parent: it forwards signals and exits with COMMAND's status. For commands that
outlive one set of credentials (see README.md, "Long runs and containers").`,
	run: runExec,
}

func runExec(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := cli.ProfileFlag(fs)
	server := fs.Bool("server", false, "serve renewed credentials to COMMAND instead of setting keys")
	if err := cli.Parse(fs, args, 0, -1); err != nil {
		return err
	}
	argv := fs.Args()
	// The command comes after --, so that a forgotten --profile (`exec prod terraform plan`)
	// is an error rather than a run of prod with the default profile's credentials.
	if len(argv) > 0 && !cli.Terminated(fs, args) {
		return usageError{"exec", fmt.Sprintf("unexpected argument %q: put the command after --: mfacred exec --profile NAME -- COMMAND", argv[0])}
	}
	if len(argv) == 0 {
		shell, err := child.DefaultCommand(runtime.GOOS, os.Getenv)
		if err != nil {
			return fmt.Errorf("exec: %v: run `mfacred exec --profile %s -- COMMAND`", err, shellword.Quote(*profile))
		}
		argv = []string{shell}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("profile %s: %w", *profile, err)
	}
	if *server {
		return execServed(ctx, e, *profile, path, argv)
	}
	p, entry, err := e.credentials(ctx, *profile)
	if err != nil {
		return err
	}
	vars := child.Env{Profile: p.Name, Region: p.Region, AccessKeyID: entry.AccessKeyID, SecretAccessKey: entry.SecretAccessKey,
		SessionToken: entry.SessionToken, Expiration: entry.Expiration}
	return exitStatus(child.Exec(path, argv, vars.Environ(os.Environ())))
}

// execServed runs argv with the profile's credentials served to it (credserver.Exec), and
// returns its exit status.
func execServed(ctx context.Context, e *env, profile, path string, argv []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args = argv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.io.In, e.io.Out, e.io.Err
	code, err := credserver.Exec(ctx, cmd, func(ctx, life context.Context) (*credserver.Server, *awsconfig.Profile, error) {
		// The server outlives a Ctrl-C that the command survives (a shell): life, not ctx.
		return e.credServer(ctx, life, profile, filepath.Base(path))
	})
	return exitStatus(code, err)
}

// exitStatus is the command's exit status as mfacred's.
func exitStatus(code int, err error) error {
	if err != nil || code == 0 {
		return err
	}
	return exitError(code)
}
