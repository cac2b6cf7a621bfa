// Command mfacred serves MFA-protected AWS session credentials to the AWS CLI and SDKs as a
// credential_process helper. See README.md.
//
// This binary is the fast path only: `mfacred process` answered from the keyring cache, with
// no AWS SDK linked in. Everything else runs in mfacred-core, installed beside it, which this
// program becomes (exec) with the same arguments.
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/fastpath"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "process" {
		out := bufio.NewWriter(os.Stdout)
		if fastpath.Serve(args[1:], &cache.Store{Keyring: cache.OSKeyring{}}, out) && out.Flush() == nil {
			return
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
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find mfacred-core: %w", err)
	}
	name := "mfacred-core"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	core := filepath.Join(filepath.Dir(self), name)
	if _, err := os.Stat(core); err != nil {
		return "", fmt.Errorf("%s is missing: mfacred needs it beside itself; install both with ./install.sh", core)
	}
	return core, nil
}
