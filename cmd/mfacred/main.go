// Command mfacred serves MFA-protected AWS session credentials to the AWS CLI and SDKs as a
// credential_process helper. See README.md.
//
// This binary is the fast path only: `mfacred process` answered from the keyring cache
// (package fastpath), with no AWS SDK linked in. Everything else runs in mfacred-core,
// installed beside it, which this program becomes (exec) with the same arguments.
package main

import (
	"fmt"
	"os"

	"github.com/mfacred/mfacred/fastpath"
	"github.com/mfacred/mfacred/internal/cli"
)

func main() {
	if fastpath.Run(os.Args[1:], os.Stdout) {
		return
	}
	core, err := cli.Core()
	if err == nil {
		err = execCore(core, append([]string{core}, os.Args[1:]...))
	}
	fmt.Fprintf(os.Stderr, "mfacred: %v\n", err)
	os.Exit(1)
}
