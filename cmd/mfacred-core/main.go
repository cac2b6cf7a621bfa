// Command mfacred-core is mfacred's full program: every command, and `process` when the
// credentials must be renewed. Users run `mfacred`, which answers a cached `process` itself and
// becomes this program for everything else. See README.md.
package main

import (
	"os"

	"github.com/mfacred/mfacred/internal/busguard"
	"github.com/mfacred/mfacred/internal/cli"
)

func main() {
	busguard.Restore() // before anything reads the session bus address
	ctx, stop := cli.SignalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
