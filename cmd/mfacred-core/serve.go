package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/credserver"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/child"
	"github.com/mfacred/mfacred/internal/cli"
)

var serveCmd = &command{
	name:    "serve",
	args:    "--profile NAME --token-file FILE [--listen 127.0.0.1:PORT]",
	summary: "serve the profile's credentials to containers, renewed ahead of need",
	help: `Serves the profile's credentials over the container credentials protocol that every AWS
SDK and the AWS CLI read, renewing them in the background before they are due (a code, if the
MFA session needs one, is asked for then, never while a client waits). Runs until Ctrl-C.

Prints the variables to hand to a container: AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, naming FILE, which mfacred creates (it must not exist)
with a fresh random token in it (mode 0600; removed at exit). Mount FILE into the container read-only. The token is
never printed. Requests without it are refused.

--listen defaults to a free port on 127.0.0.1; the AWS SDKs accept a plain-http server only on
a loopback address, so from a container use host networking (see README.md, "Long runs and
containers"). Any other address is served with a warning: anyone who can reach it and
read the token gets the credentials.`,
	run: runServe,
}

func runServe(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := cli.ProfileFlag(fs)
	listen := fs.String("listen", "127.0.0.1:0", "the address to listen on (host:port)")
	tokenFile := fs.String("token-file", "", "write the token here, mode 0600 (required)")
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *tokenFile == "" {
		return errors.New("serve: --token-file FILE is required: containers read the token from a file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE), it is never printed")
	}
	// Both before any code is asked for; creating the file checks it again (O_EXCL).
	path, err := credserver.CheckTokenFile(*tokenFile)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", *listen, err)
	}
	defer l.Close()
	// A closed terminal or ssh session ends serve as Ctrl-C does, token file removed, with the
	// status a shell gives it (129).
	ctx, stopped, stop := child.UntilStopped(ctx)
	defer stop()
	err = serve(ctx, e, *profile, path, *listen, l)
	if code := stopped(); code != 0 {
		return exitError(code)
	}
	return err
}

func serve(ctx context.Context, e *env, profile, path, listen string, l net.Listener) error {
	srv, p, err := e.credServer(ctx, ctx, profile, "")
	if err != nil {
		return err
	}
	return credserver.Serve(ctx, srv, p, path, listen, l, e.io.Out, e.io.Err)
}

// credServer gets the profile's first credentials (within ctx) and returns a server that keeps
// them renewed with the same provider, cache and locks as `process` for as long as life lasts.
// The first code may be asked for on the terminal; a renewal's only when mfacred is in the
// terminal's foreground, and never when child (the command of `exec --server`) shares it.
func (e *env) credServer(ctx, life context.Context, profile, child string) (*credserver.Server, *awsconfig.Profile, error) {
	files, p, err := loadProfile(profile)
	if err != nil {
		return nil, nil, err
	}
	srv, err := credserver.ForProfile(ctx, credserver.Profile{
		Profile: p, Request: hit.For(files, p), Provider: e.provider(life, files, p), Child: child, Log: e.io.Err,
		Explain: func(ctx context.Context, err error) error { return e.explainNoCode(ctx, p, err) },
	})
	return srv, p, err
}
