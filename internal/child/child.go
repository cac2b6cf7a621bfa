// Package child runs the command mfacred was asked to run, for both binaries: `exec` replaces
// mfacred with it (Exec), `exec --server` stays its parent beside the credentials server (Run),
// and `mfacred` hands over to `mfacred-core` (Exec). On Windows, which has no exec, every child
// runs inside a job object that ends with mfacred (package internal/winjob), so that a killed
// mfacred leaves no command running on with the credentials.
//
// Env builds the command's environment: the one place that decides which AWS variables a
// command gets and which it must not (docs/container-chain.md).
package child

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// Run starts cmd and waits for it while beside runs (the credentials server of `exec --server`),
// passing on the signals a parent must (a Ctrl-C the terminal delivered to the command itself is
// not sent twice). beside's context ends when the command does, and Run waits for beside to
// return. If beside returns first, the command is killed and Run returns beside's error. The
// status is the command's exit code, 128+N when signal N ended it, as a shell reports it.
func Run(cmd *exec.Cmd, beside func(context.Context) error) (int, error) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardSignals...)
	defer signal.Stop(sigs)
	done, err := start(cmd)
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	defer done()
	// Not inherited by the command; before beside starts, so that its reads of the terminal
	// fail instead of stopping it.
	IgnoreTerminalStops()
	served := make(chan error, 1)
	go func() { served <- beside(ctx) }()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			if !terminalSent(sig) {
				_ = cmd.Process.Signal(sig)
			}
		case err := <-served:
			_ = cmd.Process.Kill()
			<-waited
			return 0, err
		case err := <-waited:
			// beside ends before Run returns: the server's port closes with the command.
			stop()
			<-served
			code, ok := exitStatus(cmd, err)
			if !ok {
				return 0, fmt.Errorf("run %s: %w", cmd.Path, err)
			}
			return code, nil
		}
	}
}
