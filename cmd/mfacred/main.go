// Command mfacred serves MFA-protected AWS session credentials to the AWS CLI and SDKs as a
// credential_process helper. See README.md.
//
// This binary is the fast path only: `mfacred process` answered from the keyring cache, with
// no AWS SDK linked in. Everything else runs in mfacred-core, installed beside it, which this
// program becomes (exec) with the same arguments.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/fastpath"
	"github.com/mfacred/mfacred/internal/cli"
)

func main() {
	args := os.Args[1:]
	// A bad --keyring is left for mfacred-core to report.
	choice, from, cmd, err := cli.KeyringChoice(args)
	if err == nil && len(cmd) > 0 && cmd[0] == "process" {
		if kr, err := cache.OpenKeyring(choice, from); err == nil {
			if store, err := cache.ForNamespace(kr, os.Getenv(cache.NamespaceEnv)); err == nil {
				out := bufio.NewWriter(os.Stdout)
				ctx, cancel := context.WithTimeout(context.Background(), deadline.FastPath)
				var checked awsconfig.Checked // no stamps when the lock dir is amiss
				if dir, err := store.CheckedDir(); err == nil {
					checked = awsconfig.DefaultChecked(dir)
				}
				served := fastpath.Serve(ctx, cmd[1:], store, checked, out)
				cancel()
				if served && out.Flush() == nil {
					return
				}
			}
		}
	}
	core, err := corePath()
	if err == nil {
		err = execCore(core, append([]string{core}, args...))
	}
	fmt.Fprintf(os.Stderr, "mfacred: %v\n", err)
	os.Exit(1)
}

// corePath is mfacred-core beside this binary.
func corePath() (string, error) {
	core, _, err := cli.Sibling("mfacred-core")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(core); err != nil {
		return "", fmt.Errorf("%s is missing: mfacred needs it beside itself; install both with ./install.sh", core)
	}
	return core, nil
}
