package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
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
	profile := profileFlag(fs)
	server := fs.Bool("server", false, "serve renewed credentials to COMMAND instead of setting keys")
	if err := parseArgs(fs, args, 0, -1); err != nil {
		return err
	}
	argv := fs.Args()
	// The command comes after --, so that a forgotten --profile (`exec prod terraform plan`)
	// is an error rather than a run of prod with the default profile's credentials.
	if len(argv) > 0 && !terminated(fs, args) {
		return usageError{"exec", fmt.Sprintf("unexpected argument %q: put the command after --: mfacred exec --profile NAME -- COMMAND", argv[0])}
	}
	if len(argv) == 0 {
		shell, err := defaultCommand(runtime.GOOS, os.Getenv)
		if err != nil {
			return fmt.Errorf("exec: %v: run `mfacred exec --profile %s -- COMMAND`", err, *profile)
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
	return execve(ctx, path, argv, execEnv(os.Environ(), p, entry))
}

// defaultCommand is the shell exec runs when given no command: $SHELL, or on Windows, which
// has no $SHELL, %ComSpec% (cmd.exe).
func defaultCommand(goos string, getenv func(string) string) (string, error) {
	name := "SHELL"
	if goos == "windows" {
		name = "ComSpec"
	}
	if shell := getenv(name); shell != "" {
		return shell, nil
	}
	if goos == "windows" {
		return "", errors.New("no command given and %ComSpec% is unset")
	}
	return "", errors.New("no command given and $SHELL is unset")
}

// execEnv is the child's environment: env without any credentials or profile it had, plus
// the profile's credentials and region.
func execEnv(env []string, p *awsconfig.Profile, e cache.Entry) []string {
	set := []string{
		"AWS_ACCESS_KEY_ID=" + e.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + e.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + e.SessionToken,
		"AWS_CREDENTIAL_EXPIRATION=" + e.Expiration.UTC().Format(time.RFC3339),
		"MFACRED_PROFILE=" + p.Name,
	}
	if p.Region != "" {
		set = append(set, "AWS_REGION="+p.Region, "AWS_DEFAULT_REGION="+p.Region)
	}
	return withEnv(env, set)
}

// withEnv is env without any credentials, profile or credentials server it had, and without
// the variables set sets, followed by set.
func withEnv(env, set []string) []string {
	drop := map[string]bool{
		"AWS_PROFILE": true, "AWS_DEFAULT_PROFILE": true,
		"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
		"AWS_SECURITY_TOKEN": true, "AWS_CREDENTIAL_EXPIRATION": true,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": true, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": true,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN": true, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": true,
	}
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}
