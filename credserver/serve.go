package credserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/internal/child"
)

// Serve is `mfacred serve` once srv has the first credentials of profile p: it writes the
// token file at path (CreateTokenFile, removed when Serve returns), prints on out the
// variables a container needs (its address as clients reach listen, the token file, the
// region), and serves on l until ctx ends. It warns on log when l is reachable from other
// machines.
func Serve(ctx context.Context, srv *Server, p *awsconfig.Profile, path, listen string, l net.Listener, out, log io.Writer) error {
	child.IgnoreTerminalStops()
	if !IsLoopback(l.Addr().String()) {
		fmt.Fprintf(log, "mfacred: warning: serving the credentials of profile %s on %s, reachable from other machines or containers: anyone there who has the token gets them\n", p.Name, l.Addr())
	}
	tf, err := CreateTokenFile(path, srv.Token)
	if err != nil {
		return err
	}
	defer tf.Remove()
	vars := child.Env{Region: p.Region, ServerURL: ClientURL(listen, l), TokenFile: path}.Set()
	fmt.Fprintln(out, strings.Join(vars, "\n"))
	fmt.Fprintf(log, "mfacred: serving the credentials of profile %s until Ctrl-C\n", p.Name)
	return srv.Run(ctx, l)
}
