package fastpath

import (
	"bufio"
	"context"
	"io"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/internal/cli"
)

// Run answers the mfacred binary's command line (args, after the program name) when it is a
// `process` or an `export` the cache can serve, printing to stdout, and reports whether it
// did. Anything else — another command, a miss, a bad --keyring, a keyring that cannot be opened — is left to
// mfacred-core, which reports errors properly. It waits at most deadline.FastPath.
func Run(args []string, stdout io.Writer) bool {
	choice, from, cmd, err := cli.KeyringChoice(args)
	if err != nil || len(cmd) == 0 || cmd[0] != "process" && cmd[0] != "export" {
		return false
	}
	store, err := cli.OpenStore(choice, from)
	if err != nil {
		return false
	}
	var checked awsconfig.Checked // no stamps when the lock dir is amiss
	if dir, err := store.CheckedDir(); err == nil {
		checked = awsconfig.DefaultChecked(dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline.FastPath)
	defer cancel()
	out := bufio.NewWriter(stdout)
	serve := Serve
	if cmd[0] == "export" {
		serve = Export
	}
	return serve(ctx, cmd[1:], store, checked, out) && out.Flush() == nil
}
