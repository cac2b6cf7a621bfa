package credserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/internal/child"
)

// Exec is `mfacred exec --server`: it runs cmd with the credentials of a profile served to
// it on a loopback address, renewed for as long as cmd runs, and returns cmd's exit status.
// start builds the profile's server (ForProfile) within ctx, renewing for as long as life
// lasts: the server outlives a Ctrl-C that the command survives (a shell). cmd gets the
// server's address and token, and none of the variables that outrank it (child.Env).
func Exec(ctx context.Context, cmd *exec.Cmd, start func(ctx, life context.Context) (*Server, *awsconfig.Profile, error)) (int, error) {
	files, err := awsconfig.Load()
	if err != nil {
		return 0, err
	}
	if k := files.DefaultCredentials(); k != "" {
		return 0, fmt.Errorf("exec --server: profile default has credentials of its own (%s), which the AWS SDKs read before a credentials server: move them to a named profile, or run without --server", k)
	}
	srv, p, err := start(ctx, context.WithoutCancel(ctx))
	if err != nil {
		return 0, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("exec --server: listen: %w", err)
	}
	defer l.Close()
	cmd.Env = child.Env{Profile: p.Name, Region: p.Region, ServerURL: URL(l), Token: srv.Token}.Environ(os.Environ())
	// The listener is open, so the command's first fetch waits for Run.
	code, err := child.Run(cmd, func(ctx context.Context) error { return srv.Run(ctx, l) })
	if err != nil {
		return 0, fmt.Errorf("exec --server: %w", err)
	}
	return code, nil
}
