package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/credserver"
	"github.com/mfacred/mfacred/hit"
)

var serveCmd = &command{
	name:    "serve",
	args:    "--profile NAME --token-file FILE [--listen 127.0.0.1:PORT]",
	summary: "serve the profile's credentials to containers, renewed ahead of need",
	help: `Serves the profile's credentials over the container credentials protocol that every AWS
SDK and the AWS CLI read, renewing them in the background before they are due (a code, if the
MFA session needs one, is asked for then, never while a client waits). Runs until Ctrl-C.

Prints the variables to hand to a container: AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, naming FILE, into which a fresh random token is
written (mode 0600; removed at exit). Mount FILE into the container read-only. The token is
never printed. Requests without it are refused.

--listen defaults to a free port on 127.0.0.1; the AWS SDKs accept a plain-http server only on
a loopback address, so from a container use host networking (see README.md, "Long runs and
containers"). Any other address is served with a warning: anyone who can reach it and
read the token gets the credentials.`,
	run: runServe,
}

func runServe(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := profileFlag(fs)
	listen := fs.String("listen", "127.0.0.1:0", "the address to listen on (host:port)")
	tokenFile := fs.String("token-file", "", "write the token here, mode 0600 (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tokenFile == "" {
		return errors.New("serve: --token-file FILE is required: containers read the token from a file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE), it is never printed")
	}
	path, err := filepath.Abs(*tokenFile)
	if err != nil {
		return fmt.Errorf("serve: token file %s: %w", *tokenFile, err)
	}
	srv, p, err := e.credServer(ctx, ctx, *profile)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", *listen, err)
	}
	defer l.Close()
	if !credserver.IsLoopback(l.Addr().String()) {
		fmt.Fprintf(e.io.Err, "mfacred: warning: serving the credentials of profile %s on %s, reachable from other machines or containers: anyone there who has the token gets them\n", p.Name, l.Addr())
	}
	if err := writeToken(path, srv.Token); err != nil {
		return err
	}
	defer os.Remove(path)
	fmt.Fprintf(e.io.Out, "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s\nAWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s\n", credserver.URL(l), path)
	if p.Region != "" {
		fmt.Fprintf(e.io.Out, "AWS_REGION=%s\nAWS_DEFAULT_REGION=%s\n", p.Region, p.Region)
	}
	fmt.Fprintf(e.io.Err, "mfacred: serving the credentials of profile %s until Ctrl-C\n", p.Name)
	return srv.Run(ctx, l)
}

// writeToken writes the token to path, readable by the user alone.
func writeToken(path, token string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("serve: write token file: %w", err)
	}
	// An existing file keeps its mode on open.
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(token)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("serve: write token file %s: %w", path, err)
	}
	return nil
}

// credServer gets the profile's first credentials (within ctx) and returns a server that keeps
// them renewed with the same provider, cache and locks as `process` for as long as life lasts.
func (e *env) credServer(ctx, life context.Context, profile string) (*credserver.Server, *awsconfig.Profile, error) {
	files, p, err := loadProfile(profile)
	if err != nil {
		return nil, nil, err
	}
	token, err := credserver.NewToken()
	if err != nil {
		return nil, nil, err
	}
	prov := e.provider(life, files, p)
	prov.Ahead = credserver.Lead
	// The provider serves cached credentials it could not renew while the SDKs still take
	// them, and says why through Warn. The server keeps serving what it has by itself, so for
	// it that is a failed renewal, to retry and report; a full keyring stays a warning.
	var stale error
	warn := prov.Warn
	prov.Warn = func(err error) {
		if errors.Is(err, cache.ErrFull) {
			if warn != nil {
				warn(err)
			}
			return
		}
		stale = err
	}
	req := hit.For(files, p)
	srv := &credserver.Server{
		// Called by one goroutine at a time: Start, then the renewer.
		Fetch: func(ctx context.Context) (cache.Entry, error) {
			stale = nil
			entry, err := prov.Credentials(ctx, req)
			if err == nil && stale != nil {
				return entry, e.explainNoCode(ctx, p, stale)
			}
			if err != nil {
				return cache.Entry{}, e.explainNoCode(ctx, p, err)
			}
			return entry, nil
		},
		Token:     token,
		AccountID: hit.Of(p).Account(),
		Log:       e.io.Err,
	}
	if err := srv.Start(ctx); err != nil {
		return nil, nil, err
	}
	return srv, p, nil
}

// defaultCredentials names the setting that gives the default profile credentials of its own:
// the SDKs read those before a credentials server, so a child without AWS_PROFILE would
// silently use them instead.
func defaultCredentials(files *awsconfig.Files) string {
	if _, ok, _ := files.StaticKeys("default"); ok {
		return "aws_access_key_id"
	}
	for _, k := range []string{"credential_process", "role_arn", "credential_source", "web_identity_token_file", "sso_session", "sso_start_url", "login_session"} {
		if files.Get("default", k) != "" {
			return k
		}
	}
	return ""
}

// execServed runs argv with the profile's credentials served to it, and returns its exit
// status: the server renews them for as long as the command runs and closes when it ends.
func execServed(ctx context.Context, e *env, profile, path string, argv []string) error {
	files, err := awsconfig.Load()
	if err != nil {
		return err
	}
	if k := defaultCredentials(files); k != "" {
		return fmt.Errorf("exec --server: profile default has credentials of its own (%s), which the AWS SDKs read before a credentials server: move them to a named profile, or run without --server", k)
	}
	// The server outlives a Ctrl-C that the command survives (a shell), so its renewals do
	// not end with ctx.
	srv, p, err := e.credServer(ctx, context.WithoutCancel(ctx), profile)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("exec --server: listen: %w", err)
	}
	defer l.Close()

	cmd := exec.Command(path, argv[1:]...)
	cmd.Args = argv
	cmd.Env = serverEnv(os.Environ(), p, credserver.URL(l), srv.Token)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.io.In, e.io.Out, e.io.Err

	// The server lives as long as the child, not as long as ctx: a Ctrl-C that the child
	// survives (a shell) must not end it.
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Run(sctx, l) }()

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		stop()
		<-served
		return fmt.Errorf("exec %s: %w", path, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			if !terminalSent(sig) {
				cmd.Process.Signal(sig)
			}
		case err := <-served:
			// The server stopped on its own: the command could no longer renew. Stop it.
			cmd.Process.Kill()
			<-waited
			return fmt.Errorf("exec --server: %w", err)
		case err := <-waited:
			// Closed before mfacred exits: the port is gone when the command is.
			stop()
			<-served
			if code, ok := exitStatus(cmd, err); ok {
				if code == 0 {
					return nil
				}
				return exitError(code)
			}
			return fmt.Errorf("exec %s: %w", path, err)
		}
	}
}

// serverEnv is the environment of a child of `exec --server`: env without any credentials,
// profile or container settings it had, plus the server's address and token and the region.
func serverEnv(env []string, p *awsconfig.Profile, url, token string) []string {
	set := []string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + url,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + token,
		"MFACRED_PROFILE=" + p.Name,
	}
	if p.Region != "" {
		set = append(set, "AWS_REGION="+p.Region, "AWS_DEFAULT_REGION="+p.Region)
	}
	return withEnv(env, set)
}
